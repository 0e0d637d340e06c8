//! SeaORM entities of Resident Hub: one module per table group, models only.
//!
//! GraphQL types live in the server crate and are built `From` these models, so a column can
//! never reach a client unless a GraphQL type names it.

pub mod appointment;
pub mod appointment_queue_counter;
pub mod appointment_slot;
pub mod building;
pub mod event;
pub mod household_member;
pub mod ledger_entry;
pub mod notice;
pub mod notice_audience;
pub mod notice_receipt;
pub mod notification;
pub mod notification_mute;
pub mod policy_acknowledgement;
pub mod policy_version;
pub mod qualification;
pub mod qualification_requirement;
pub mod residency;
pub mod service_category;
pub mod service_category_sla;
pub mod service_centre;
pub mod service_centre_building;
pub mod service_centre_exception;
pub mod service_centre_hours;
pub mod service_centre_service;
pub mod service_offering;
pub mod service_slot;
pub mod session;
pub mod sign_in_throttle;
pub mod staff_building;
pub mod staff_category;
pub mod staff_certificate;
pub mod staff_record;
pub mod staff_status_change;
pub mod time_bank_account;
pub mod time_bank_entry;
pub mod training_course;
pub mod training_course_post;
pub mod training_record;
pub mod training_session;
pub mod unit;
pub mod user;
pub mod user_role;
pub mod volunteer_opportunity;
pub mod volunteer_profile;
pub mod volunteer_shift;
pub mod volunteer_sign_up;
pub mod work_order;
pub mod work_order_assistant;
pub mod work_order_comment;
pub mod work_order_counter;
pub mod work_order_entry;
pub mod work_order_rating;
