//! Training's DataLoaders and entity nouns: a page of sessions or records loads its courses in
//! one statement, and a page of courses its required posts in one.

use crate::{
    graphql::loaders::{ByColumn, ById, ColumnKey},
    store::Named,
};
use entity::{training_course, training_course_post, training_record, training_session};

impl Named for training_course::Entity {
    const NOUN: &'static str = "training course";
}
impl Named for training_session::Entity {
    const NOUN: &'static str = "training session";
}
impl Named for training_record::Entity {
    const NOUN: &'static str = "training record";
}

/// Courses by id.
pub type CourseById = ById<training_course::Entity>;

/// A required post's course.
pub struct PostCourse;
impl ColumnKey for PostCourse {
    type Entity = training_course_post::Entity;
    const COLUMN: training_course_post::Column = training_course_post::Column::CourseId;
}
/// Required posts by course.
pub type PostsByCourse = ByColumn<PostCourse>;
