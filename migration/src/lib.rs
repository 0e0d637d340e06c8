//! Database migrations of Resident Hub, applied in file-name order (`mYYYYMMDD_NNNNNN_<verb>_<object>`).

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_create_event;
mod m20261127_000002_create_identity;
mod m20261127_000003_create_estate;
mod m20261127_000004_create_notices;
mod m20261130_000005_notifications_platform;
mod m20261130_000006_event_sequences;
mod m20261130_000007_add_notification_removed_at;
mod m20261130_000008_service_catalogue;
mod m20261130_000009_work_orders;
mod m20261130_000010_qualifications;
mod m20261130_000011_training;
mod m20261130_000012_conduct;
mod m20261130_000013_rectifications;
mod m20261130_000014_complaints;
mod m20261130_000015_supervision;
mod m20261130_000016_activities;
mod m20261130_000017_volunteers_service_centres;
mod m20261130_000018_surveys;
mod m20261130_000019_assessment;
mod m20261130_000020_channels;
mod m20261130_000021_hot_path;
mod m20261130_000023_channel_reactions;
mod m20261130_000024_partners;
mod m20261130_000025_perks;
mod m20261130_000026_health;
mod m20261130_000027_care;
mod m20261130_000028_assets;
mod m20261130_000029_patrols;
mod m20261130_000030_front_desk;
mod support;

/// The list of every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_event::Migration),
            Box::new(m20261127_000002_create_identity::Migration),
            Box::new(m20261127_000003_create_estate::Migration),
            Box::new(m20261127_000004_create_notices::Migration),
            Box::new(m20261130_000005_notifications_platform::Migration),
            Box::new(m20261130_000006_event_sequences::Migration),
            Box::new(m20261130_000007_add_notification_removed_at::Migration),
            Box::new(m20261130_000008_service_catalogue::Migration),
            Box::new(m20261130_000009_work_orders::Migration),
            Box::new(m20261130_000010_qualifications::Migration),
            Box::new(m20261130_000011_training::Migration),
            Box::new(m20261130_000012_conduct::Migration),
            Box::new(m20261130_000013_rectifications::Migration),
            Box::new(m20261130_000014_complaints::Migration),
            Box::new(m20261130_000015_supervision::Migration),
            Box::new(m20261130_000016_activities::Migration),
            Box::new(m20261130_000017_volunteers_service_centres::Migration),
            Box::new(m20261130_000018_surveys::Migration),
            Box::new(m20261130_000019_assessment::Migration),
            Box::new(m20261130_000020_channels::Migration),
            Box::new(m20261130_000021_hot_path::Migration),
            Box::new(m20261130_000023_channel_reactions::Migration),
            Box::new(m20261130_000024_partners::Migration),
            Box::new(m20261130_000025_perks::Migration),
            Box::new(m20261130_000026_health::Migration),
            Box::new(m20261130_000027_care::Migration),
            Box::new(m20261130_000029_patrols::Migration),
            Box::new(m20261130_000030_front_desk::Migration),
            Box::new(m20261130_000028_assets::Migration),
        ]
    }
}
