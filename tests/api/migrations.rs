//! Migrations keep existing data: rows written before a migration read correctly after it.

use chrono::Utc;
use migration::{Migrator, MigratorTrait};
use resident_hub::config::DatabaseConfig;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Statement,
};
use uuid::Uuid;

use crate::helpers::{admin_execute, test_database_url, with_database};

/// An empty database on the test backend, and what to drop afterwards.
async fn empty_database() -> (DatabaseConfig, Option<String>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    match test_database_url() {
        Some(admin) => {
            let name = format!("rh_test_{}", Uuid::now_v7().simple());
            admin_execute(&admin, &format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            (
                DatabaseConfig::Postgres(with_database(&admin, &name)),
                Some(name),
                dir,
            )
        }
        None => (
            DatabaseConfig::Sqlite(dir.path().join("migrate.db")),
            None,
            dir,
        ),
    }
}

#[tokio::test]
async fn notifications_written_before_categories_keep_their_meaning() {
    let (config, pg_name, _dir) = empty_database().await;
    let db = resident_hub::db::connect(&config, 1, None).await.unwrap();
    // The schema as it was with notices only (the first four migrations).
    Migrator::up(&db, Some(4)).await.unwrap();
    let now = Utc::now();
    let user = entity::user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set("old@test.local".to_owned()),
        phone: Set(None),
        display_name: Set("Old Resident".to_owned()),
        password_hash: Set("x".to_owned()),
        status: Set("ACTIVE".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&db)
    .await
    .unwrap();
    let notice = |priority: &str| entity::notice::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(format!("{priority} notice")),
        body: Set("body".to_owned()),
        kind: Set("MAINTENANCE".to_owned()),
        priority: Set(priority.to_owned()),
        status: Set("PUBLISHED".to_owned()),
        publish_at: Set(now),
        expires_at: Set(None),
        pinned: Set(false),
        requires_ack: Set(false),
        author_id: Set(user.id),
        supersedes_id: Set(None),
        audience_size: Set(1),
        created_at: Set(now),
    };
    let emergency = notice("EMERGENCY").insert(&db).await.unwrap();
    let normal = notice("NORMAL").insert(&db).await.unwrap();
    let backend = db.get_database_backend();
    for n in [&emergency, &normal] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "INSERT INTO notification (id, user_id, kind, title, text, subject_type, subject_id, created_at) VALUES ($1, $2, 'MAINTENANCE', $3, 'text', 'NOTICE', $4, $5)",
                _ => "INSERT INTO notification (id, user_id, kind, title, text, subject_type, subject_id, created_at) VALUES (?, ?, 'MAINTENANCE', ?, 'text', 'NOTICE', ?, ?)",
            },
            [
                Uuid::now_v7().into(),
                user.id.into(),
                n.title.clone().into(),
                n.id.into(),
                now.into(),
            ],
        ))
        .await
        .unwrap();
    }
    // The user had muted two notice kinds.
    for kind in ["MAINTENANCE", "ACTIVITY"] {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "INSERT INTO notification_mute (user_id, kind) VALUES ($1, $2)"
                }
                _ => "INSERT INTO notification_mute (user_id, kind) VALUES (?, ?)",
            },
            [user.id.into(), kind.into()],
        ))
        .await
        .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();

    let rows = entity::notification::Entity::find()
        .order_by_asc(entity::notification::Column::Id)
        .all(&db)
        .await
        .unwrap();
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.category.as_str(), r.priority.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("NOTICE", "EMERGENCY", "MAINTENANCE"),
            ("NOTICE", "NORMAL", "MAINTENANCE")
        ],
        "category NOTICE, each notice's priority, the notice kind kept"
    );
    let mutes: Vec<String> = entity::notification_mute::Entity::find()
        .filter(entity::notification_mute::Column::UserId.eq(user.id))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.category)
        .collect();
    assert_eq!(
        mutes,
        ["NOTICE"],
        "any muted notice kind becomes the NOTICE category"
    );
    db.close().await.unwrap();
    if let (Some(admin), Some(name)) = (test_database_url(), pg_name) {
        admin_execute(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await
        .unwrap();
    }
}
