//! The scoring rules, free of the database: which sources feed which indicator, the minimum
//! samples, renormalisation, grades and pay factors.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::text_enum;

/// What a staff member is assessed on: the indicators survey questions are tagged with.
pub use crate::domains::surveys::types::AssessmentIndicator as Indicator;

text_enum! {
    /// Where a score comes from.
    pub enum Source {
        /// Residents' ratings of the work orders assigned to the staff member (1–5 → 0–100).
        Ratings => "RATINGS",
        /// Share of the staff member's resolved work orders without a response or resolution
        /// breach.
        Sla => "SLA",
        /// Survey answers tagged for the staff member or their post.
        Surveys => "SURVEYS",
        /// Peer reviews (staff sharing a building).
        PeerReviews => "PEER_REVIEWS",
        /// Scores by supervisors, administrators and the staff member's managers.
        SupervisorScores => "SUPERVISOR_SCORES",
        /// Completed inspections of the buildings the staff member serves.
        Inspections => "INSPECTIONS",
        /// Complaints upheld against the staff member, and praise of them.
        Complaints => "COMPLAINTS",
    }
}

text_enum! {
    /// How long a cycle runs.
    pub enum Period {
        /// One calendar month from the start.
        Month => "MONTH",
        /// Three months.
        Quarter => "QUARTER",
        /// Twelve months.
        Year => "YEAR",
    }
}

text_enum! {
    /// Where a cycle stands.
    pub enum CycleStatus {
        /// Collecting reviews and scores; may be edited.
        Open => "OPEN",
        /// Results written; never changes again.
        Finalized => "FINALIZED",
        /// Finalised, then corrected by a later revision (its results stay readable).
        Superseded => "SUPERSEDED",
    }
}

text_enum! {
    /// Who entered a review.
    pub enum ReviewKind {
        /// A peer sharing a building.
        Peer => "PEER",
        /// A supervisor, administrator or manager.
        Supervisor => "SUPERVISOR",
    }
}

text_enum! {
    /// A result's grade.
    pub enum Grade {
        /// 90 and above.
        A => "A",
        /// 75 to below 90.
        B => "B",
        /// 60 to below 75.
        C => "C",
        /// Below 60.
        D => "D",
    }
}

impl Period {
    /// Months in the period.
    pub fn months(self) -> u32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        }
    }
}

impl Grade {
    /// The grade of `total`.
    pub fn of(total: f64) -> Grade {
        if total >= 90.0 {
            Grade::A
        } else if total >= 75.0 {
            Grade::B
        } else if total >= 60.0 {
            Grade::C
        } else {
            Grade::D
        }
    }

    /// The performance-pay factor of the grade.
    pub fn pay_factor(self) -> &'static str {
        match self {
            Grade::A => "1.20",
            Grade::B => "1.00",
            Grade::C => "0.90",
            Grade::D => "0.80",
        }
    }
}

/// An indicator score below this creates a training need (when the cycle names a course).
pub const TRAINING_THRESHOLD: f64 = 60.0;

/// The sources of each indicator; an indicator's score is the mean of its sources that have
/// enough samples.
pub fn sources_of(indicator: Indicator) -> &'static [Source] {
    match indicator {
        Indicator::Attitude => &[
            Source::Ratings,
            Source::PeerReviews,
            Source::SupervisorScores,
            Source::Complaints,
        ],
        Indicator::Skill => &[
            Source::Ratings,
            Source::PeerReviews,
            Source::SupervisorScores,
            Source::Inspections,
        ],
        Indicator::Efficiency => &[
            Source::Ratings,
            Source::Sla,
            Source::PeerReviews,
            Source::SupervisorScores,
        ],
        Indicator::ResidentSatisfaction => &[Source::Ratings, Source::Surveys],
    }
}

/// Minimum samples when a cycle does not set them.
pub const DEFAULT_MINIMUMS: [(Source, u64); 7] = [
    (Source::Ratings, 3),
    (Source::Sla, 3),
    (Source::Surveys, 5),
    (Source::PeerReviews, 2),
    (Source::SupervisorScores, 1),
    (Source::Inspections, 1),
    (Source::Complaints, 1),
];

/// A cycle's indicator, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRule {
    /// The indicator.
    pub indicator: String,
    /// Its weight (the weights sum to 100).
    pub weight: i32,
    /// The course a score below [`TRAINING_THRESHOLD`] enrols in.
    pub training_course_id: Option<Uuid>,
}

/// What one source says about one indicator of one staff member.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Mean on 0..=100.
    pub score: f64,
    /// How many records it rests on.
    pub samples: u64,
}

/// Every source's samples for one staff member.
pub type Facts = HashMap<(Indicator, Source), Sample>;

/// One source's part in an indicator, as stored on the result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourcePart {
    /// The source.
    pub source: String,
    /// Its score (none without samples).
    pub score: Option<f64>,
    /// Samples.
    pub samples: u64,
    /// The minimum.
    pub minimum: u64,
    /// Whether it counted.
    pub included: bool,
}

/// One indicator of a result, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorPart {
    /// The indicator.
    pub indicator: String,
    /// The cycle's weight.
    pub weight: i32,
    /// The weight after renormalisation (0 when left out).
    pub applied_weight: f64,
    /// The score (none when no source had enough samples).
    pub score: Option<f64>,
    /// Its sources.
    pub sources: Vec<SourcePart>,
}

/// A staff member's computed result.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// Per indicator.
    pub indicators: Vec<IndicatorPart>,
    /// The total (none when nothing had enough samples).
    pub total: Option<f64>,
    /// The grade.
    pub grade: Option<Grade>,
    /// What was left out, in sentences.
    pub left_out: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Scores one staff member: each indicator is the mean of its sources that reach their minimum
/// (and have at least one sample); an indicator without any is left out and the weights of the
/// others are scaled up to sum to 100.
pub fn score(rules: &[IndicatorRule], minimums: &HashMap<Source, u64>, facts: &Facts) -> Scored {
    let mut indicators = Vec::new();
    let mut left_out = Vec::new();
    for rule in rules {
        let Some(indicator) = Indicator::parse(&rule.indicator) else {
            continue;
        };
        let mut sources = Vec::new();
        let mut kept = Vec::new();
        for &source in sources_of(indicator) {
            let sample = facts.get(&(indicator, source)).copied().unwrap_or_default();
            let minimum = minimums.get(&source).copied().unwrap_or(1);
            let included = sample.samples > 0 && sample.samples >= minimum;
            if included {
                kept.push(sample.score);
            } else {
                left_out.push(format!(
                    "{} for {}: {} sample(s), fewer than the minimum {}",
                    source.as_str(),
                    indicator.as_str(),
                    sample.samples,
                    minimum.max(1)
                ));
            }
            sources.push(SourcePart {
                source: source.as_str().to_owned(),
                score: (sample.samples > 0).then_some(round1(sample.score)),
                samples: sample.samples,
                minimum,
                included,
            });
        }
        let score = (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64);
        if score.is_none() {
            left_out.push(format!(
                "{}: no source had enough samples; its weight {} went to the other indicators",
                indicator.as_str(),
                rule.weight
            ));
        }
        indicators.push(IndicatorPart {
            indicator: indicator.as_str().to_owned(),
            weight: rule.weight,
            applied_weight: 0.0,
            score,
            sources,
        });
    }
    let present: i32 = indicators
        .iter()
        .filter(|i| i.score.is_some())
        .map(|i| i.weight)
        .sum();
    let mut total = None;
    if present > 0 {
        let mut sum = 0.0;
        for part in &mut indicators {
            if let Some(score) = part.score {
                part.applied_weight = round1(f64::from(part.weight) * 100.0 / f64::from(present));
                sum += score * f64::from(part.weight) / f64::from(present);
            }
        }
        total = Some(round1(sum));
    }
    for part in &mut indicators {
        part.score = part.score.map(round1);
    }
    Scored {
        indicators,
        total,
        grade: total.map(Grade::of),
        left_out,
    }
}

/// The complaints source's score: 75, less 25 per upheld complaint, plus 10 per praise, within
/// 0..=100; its samples are the complaints and praise counted.
pub fn complaints_sample(upheld: u64, praise: u64) -> Sample {
    let raw = 75.0 - 25.0 * upheld as f64 + 10.0 * praise as f64;
    Sample {
        score: raw.clamp(0.0, 100.0),
        samples: upheld + praise,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(indicator: Indicator, weight: i32) -> IndicatorRule {
        IndicatorRule {
            indicator: indicator.as_str().to_owned(),
            weight,
            training_course_id: None,
        }
    }

    #[test]
    fn a_source_below_its_minimum_is_left_out_and_the_weights_renormalised() {
        let rules = [
            rule(Indicator::Attitude, 40),
            rule(Indicator::Efficiency, 60),
        ];
        let minimums: HashMap<Source, u64> = DEFAULT_MINIMUMS.into_iter().collect();
        let mut facts = Facts::new();
        // Two ratings: below the minimum of three, so attitude has no source at all.
        facts.insert(
            (Indicator::Attitude, Source::Ratings),
            Sample {
                score: 100.0,
                samples: 2,
            },
        );
        facts.insert(
            (Indicator::Efficiency, Source::Sla),
            Sample {
                score: 80.0,
                samples: 4,
            },
        );
        let scored = score(&rules, &minimums, &facts);
        assert_eq!(scored.total, Some(80.0));
        assert_eq!(scored.grade, Some(Grade::B));
        assert_eq!(scored.indicators[0].score, None);
        assert_eq!(scored.indicators[1].applied_weight, 100.0);
        assert!(
            scored
                .left_out
                .iter()
                .any(|l| l.starts_with("RATINGS for ATTITUDE"))
        );
        assert!(
            scored
                .left_out
                .iter()
                .any(|l| l.starts_with("ATTITUDE: no source"))
        );
    }

    #[test]
    fn an_indicator_is_the_mean_of_its_kept_sources() {
        let rules = [rule(Indicator::Skill, 100)];
        let minimums: HashMap<Source, u64> = DEFAULT_MINIMUMS.into_iter().collect();
        let mut facts = Facts::new();
        facts.insert(
            (Indicator::Skill, Source::Inspections),
            Sample {
                score: 90.0,
                samples: 1,
            },
        );
        facts.insert(
            (Indicator::Skill, Source::SupervisorScores),
            Sample {
                score: 50.0,
                samples: 1,
            },
        );
        let scored = score(&rules, &minimums, &facts);
        assert_eq!(scored.total, Some(70.0));
        assert_eq!(scored.grade, Some(Grade::C));
        assert_eq!(Grade::of(89.9), Grade::B);
        assert_eq!(complaints_sample(1, 0).score, 50.0);
        assert_eq!(complaints_sample(0, 5).score, 100.0);
    }
}
