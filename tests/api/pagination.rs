//! The keyset pagination helper on the real database (SQLite, or PostgreSQL with
//! `TEST_DATABASE_URL`): walking a list with duplicate, nullable and mixed-direction sort keys
//! forward and backward in small pages visits every row exactly once, in order.

use std::cmp::Ordering;

use chrono::{Duration, TimeZone, Utc};
use resident_hub::{
    auth::Role,
    error::AppError,
    graphql::pagination::{Keyset, Page, PageRequest},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::TestApp;
use entity::notice::{self, Column};

/// 31 notices whose sort keys repeat: 2 pinned values, 3 priorities, 4 publish times, expiry
/// NULL for every third, 5 audience sizes.
async fn notices(app: &TestApp) -> Vec<notice::Model> {
    let author = app.user(&[Role::Admin]).await.id;
    let base = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    let mut rows = Vec::new();
    for i in 0..31_i64 {
        let row = notice::ActiveModel {
            id: Set(Uuid::now_v7()),
            title: Set(format!("Notice {i}")),
            body: Set(String::new()),
            kind: Set("GENERAL".to_owned()),
            priority: Set(["NORMAL", "IMPORTANT", "EMERGENCY"][(i % 3) as usize].to_owned()),
            status: Set("PUBLISHED".to_owned()),
            // Sub-second parts check that timestamps compare exactly on both databases.
            publish_at: Set(base + Duration::microseconds((i % 4) * 1_500_250)),
            expires_at: Set((i % 3 != 0).then(|| base + Duration::days(i % 5))),
            pinned: Set(i % 7 == 0),
            requires_ack: Set(false),
            author_id: Set(author),
            supersedes_id: Set(None),
            audience_size: Set((i % 5) as i32),
            created_at: Set(base),
        };
        rows.push(row);
    }
    notice::Entity::insert_many(rows)
        .exec(&app.state.db)
        .await
        .unwrap();
    notice::Entity::find()
        .filter(Column::AuthorId.eq(author))
        .all(&app.state.db)
        .await
        .unwrap()
}

/// Compares two optional values with NULL after every value, whatever the direction.
fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>, descending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) if descending => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
    }
}

async fn page(
    app: &TestApp,
    keyset: &Keyset<notice::Entity>,
    author: Uuid,
    request: PageRequest,
) -> Result<Page<notice::Model>, AppError> {
    keyset
        .fetch(
            &app.state.db,
            notice::Entity::find().filter(Column::AuthorId.eq(author)),
            &request,
        )
        .await
}

/// Walks the whole list forward with `first: size`, then backward with `last: size`, and checks
/// both against `expected` and the page flags.
async fn walk(app: &TestApp, keyset: &Keyset<notice::Entity>, expected: &[Uuid], size: i32) {
    let author = {
        let any = notice::Entity::find_by_id(expected[0])
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        any.author_id
    };
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let request = PageRequest::parse(Some(size), after.clone(), None, None).unwrap();
        let page = page(app, keyset, author, request).await.unwrap();
        assert_eq!(
            page.has_previous,
            after.is_some(),
            "forward hasPreviousPage"
        );
        seen.extend(page.items.iter().map(|n| n.id));
        after = page.edges().last().map(|(cursor, _)| cursor.to_owned());
        if !page.has_next {
            break;
        }
        assert_eq!(
            page.items.len(),
            size as usize,
            "only the last page is short"
        );
    }
    assert_eq!(seen, expected, "forward: every row once, in order");

    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let request = PageRequest::parse(None, None, Some(size), before.clone()).unwrap();
        let page = page(app, keyset, author, request).await.unwrap();
        assert_eq!(page.has_next, before.is_some(), "backward hasNextPage");
        let mut ids: Vec<Uuid> = page.items.iter().map(|n| n.id).collect();
        ids.extend(seen);
        seen = ids;
        before = page.edges().next().map(|(cursor, _)| cursor.to_owned());
        if !page.has_previous {
            break;
        }
        assert_eq!(
            page.items.len(),
            size as usize,
            "only the first page is short"
        );
    }
    assert_eq!(seen, expected, "backward: every row once, in order");

    // A window between two cursors, from both ends.
    let all = page(
        app,
        keyset,
        author,
        PageRequest::parse(Some(100), None, None, None).unwrap(),
    )
    .await
    .unwrap();
    let cursors: Vec<String> = all.edges().map(|(c, _)| c.to_owned()).collect();
    let (from, to) = (3, expected.len() - 4);
    for (first, last) in [(Some(100), None), (None, Some(100))] {
        let window = page(
            app,
            keyset,
            author,
            PageRequest::parse(
                first,
                Some(cursors[from].clone()),
                last,
                Some(cursors[to].clone()),
            )
            .unwrap(),
        )
        .await
        .unwrap();
        let ids: Vec<Uuid> = window.items.iter().map(|n| n.id).collect();
        assert_eq!(ids, expected[from + 1..to], "between two cursors");
        assert!(window.has_previous || first.is_some());
        eprintln!(
            "first={first:?} has_next={} has_prev={} n={}",
            window.has_next,
            window.has_previous,
            ids.len()
        );
        assert!(window.has_next || last.is_some());
    }
    assert_eq!(all.total.get().await.unwrap(), expected.len() as u64);
}

#[tokio::test]
async fn keyset_pages_walk_every_row_once_in_both_directions() {
    let app = TestApp::spawn().await;
    let rows = notices(&app).await;
    assert!(rows.len() >= 25);

    // The notice board's order: pinned first, newest first.
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| b.pinned.cmp(&a.pinned).then(b.id.cmp(&a.id)));
    let expected: Vec<Uuid> = sorted.iter().map(|n| n.id).collect();
    let keyset = Keyset::new().desc(Column::Pinned).desc(Column::Id);
    walk(&app, &keyset, &expected, 4).await;
    walk(&app, &keyset, &expected, 1).await;

    // The inbox's order: newest first.
    sorted.sort_by_key(|n| std::cmp::Reverse(n.id));
    let expected: Vec<Uuid> = sorted.iter().map(|n| n.id).collect();
    walk(&app, &Keyset::new().desc(Column::Id), &expected, 6).await;

    // Text ascending, timestamp descending, id (appended, ascending) as the tiebreaker.
    sorted.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(b.publish_at.cmp(&a.publish_at))
            .then(a.id.cmp(&b.id))
    });
    let expected: Vec<Uuid> = sorted.iter().map(|n| n.id).collect();
    let keyset = Keyset::new().asc(Column::Priority).desc(Column::PublishAt);
    walk(&app, &keyset, &expected, 3).await;

    // A nullable key, ascending, NULL last.
    sorted.sort_by(|a, b| nulls_last(&a.expires_at, &b.expires_at, false).then(a.id.cmp(&b.id)));
    let expected: Vec<Uuid> = sorted.iter().map(|n| n.id).collect();
    let keyset = Keyset::new().asc(Column::ExpiresAt).asc(Column::Id);
    walk(&app, &keyset, &expected, 4).await;

    // A nullable key descending (NULL still last), then an integer, then id descending.
    sorted.sort_by(|a, b| {
        nulls_last(&a.expires_at, &b.expires_at, true)
            .then(a.audience_size.cmp(&b.audience_size))
            .then(b.id.cmp(&a.id))
    });
    let expected: Vec<Uuid> = sorted.iter().map(|n| n.id).collect();
    let keyset = Keyset::new()
        .desc(Column::ExpiresAt)
        .asc(Column::AudienceSize)
        .desc(Column::Id);
    walk(&app, &keyset, &expected, 5).await;
}

#[tokio::test]
async fn a_cursor_that_does_not_fit_the_order_is_bad_input() {
    let app = TestApp::spawn().await;
    let rows = notices(&app).await;
    let author = rows[0].author_id;
    let board = Keyset::new().desc(Column::Pinned).desc(Column::Id);
    let first = page(
        &app,
        &board,
        author,
        PageRequest::parse(Some(2), None, None, None).unwrap(),
    )
    .await
    .unwrap();
    let cursor = first.edges().next().unwrap().0.to_owned();
    // The same cursor under another order has values of the wrong type or number.
    let other = Keyset::new()
        .asc(Column::PublishAt)
        .asc(Column::AudienceSize);
    let encode = |v: serde_json::Value| {
        resident_hub::graphql::pagination::encode_cursor(v.as_array().unwrap())
    };
    for (keyset, bad) in [
        (&other, cursor.clone()),
        (&board, encode(serde_json::json!(["yes", rows[0].id]))),
        (&board, encode(serde_json::json!([true, "not-a-uuid"]))),
        (&board, encode(serde_json::json!([null, rows[0].id]))),
        (&board, encode(serde_json::json!([true]))),
        (&board, encode(serde_json::json!([true, rows[0].id, 1]))),
    ] {
        for (after, before, field) in [
            (Some(bad.clone()), None, "after"),
            (None, Some(bad.clone()), "before"),
        ] {
            let request = PageRequest::parse(Some(2), after, None, before).unwrap();
            match page(&app, keyset, author, request).await {
                Err(AppError::BadUserInput { field: f, .. }) => assert_eq!(f, field, "{bad}"),
                Err(other) => panic!("{bad}: {other:?}"),
                Ok(_) => panic!("{bad} was accepted"),
            }
        }
    }
}
