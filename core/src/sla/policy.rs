//! Service-level policies: what a fund promises on a category of cases.

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::{org::named_enum, validation::Violations};

named_enum!(
    /// How a clock counts time.
    ClockKind {
        /// In the handling organisation's working time.
        WorkingTime => "working_time",
        /// Every hour, nights, weekends and holidays included.
        RoundTheClock => "round_the_clock",
    }
);

named_enum!(
    /// Which promise a clock measures.
    TargetKind {
        FirstResponse => "first_response",
        Resolution => "resolution",
    }
);

named_enum!(
    /// Who an escalation level notifies.
    Audience {
        Supervisors => "supervisors",
        Administrators => "administrators",
    }
);

/// One promise: how much counted time, counted how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetPolicy {
    pub target: SignedDuration,
    pub clock: ClockKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// Percentage of the target at which the level is raised.
    pub percent: u16,
    pub audience: Audience,
}

/// The promises made on one category of cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub first_response: TargetPolicy,
    pub urgent_first_response: TargetPolicy,
    pub resolution: TargetPolicy,
    /// Percentage of a target at which a case becomes at risk.
    pub warning_percent: u16,
    /// Sorted by percentage, each level above the previous one.
    pub escalations: Vec<Escalation>,
}

/// A working day in whole-day counting: 15 working days are 360 hours.
const WORKING_DAY: SignedDuration = SignedDuration::from_hours(24);
/// The longest target accepted: a year of round-the-clock time.
const LONGEST_TARGET: SignedDuration = SignedDuration::from_hours(24 * 366);
const MOST_ESCALATIONS: usize = 5;

impl Default for SlaPolicy {
    /// The Administration+ promise: a first answer within 48 working hours
    /// (24 hours round the clock when urgent), a resolution within 15 working
    /// days, at risk at 75 %, escalated to supervisors when due and flagged to
    /// administrators at twice the target.
    fn default() -> Self {
        SlaPolicy {
            first_response: TargetPolicy {
                target: SignedDuration::from_hours(48),
                clock: ClockKind::WorkingTime,
            },
            urgent_first_response: TargetPolicy {
                target: SignedDuration::from_hours(24),
                clock: ClockKind::RoundTheClock,
            },
            resolution: TargetPolicy {
                target: WORKING_DAY.checked_mul(15).expect("15 days fit"),
                clock: ClockKind::WorkingTime,
            },
            warning_percent: 75,
            escalations: vec![
                Escalation {
                    percent: 100,
                    audience: Audience::Supervisors,
                },
                Escalation {
                    percent: 200,
                    audience: Audience::Administrators,
                },
            ],
        }
    }
}

impl SlaPolicy {
    /// The first-response promise for a case of this urgency.
    pub fn first_response_for(&self, urgent: bool) -> TargetPolicy {
        if urgent {
            self.urgent_first_response
        } else {
            self.first_response
        }
    }

    /// Checks a policy as an administrator set it; fields are named as in the
    /// API (`policy.first_response.target`).
    pub fn validate(&self) -> Result<(), Violations> {
        let mut violations = Violations::default();
        for (field, target) in [
            ("policy.first_response.target", self.first_response.target),
            (
                "policy.urgent_first_response.target",
                self.urgent_first_response.target,
            ),
            ("policy.resolution.target", self.resolution.target),
        ] {
            if target < SignedDuration::from_mins(1) || target > LONGEST_TARGET {
                violations.add(field, "must be between one minute and 366 days");
            }
        }
        if !(1..=99).contains(&self.warning_percent) {
            violations.add("policy.warning_percent", "must be between 1 and 99");
        }
        if self.escalations.len() > MOST_ESCALATIONS {
            violations.add(
                "policy.escalations",
                format!("at most {MOST_ESCALATIONS} levels"),
            );
        }
        let mut previous = 0;
        for (i, escalation) in self.escalations.iter().enumerate() {
            if escalation.percent < 100 || escalation.percent > 1000 {
                violations.add(
                    format!("policy.escalations[{i}].percent"),
                    "must be between 100 (when due) and 1000",
                );
            } else if escalation.percent <= previous {
                violations.add(
                    format!("policy.escalations[{i}].percent"),
                    "each level must come after the previous one",
                );
            }
            previous = escalation.percent;
        }
        violations.into_result(())
    }
}

/// `percent` % of `target`, to the nanosecond.
pub fn share(target: SignedDuration, percent: u16) -> SignedDuration {
    let nanos = target.as_nanos() * i128::from(percent) / 100;
    SignedDuration::from_nanos_i128(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_administration_plus_promise() {
        let policy = SlaPolicy::default();
        assert_eq!(
            policy.first_response_for(false).target,
            SignedDuration::from_hours(48)
        );
        assert_eq!(
            policy.first_response_for(true).clock,
            ClockKind::RoundTheClock
        );
        assert_eq!(policy.resolution.target, SignedDuration::from_hours(360));
        assert!(policy.validate().is_ok());
    }

    #[test]
    fn bad_policies_name_their_fields() {
        let mut policy = SlaPolicy::default();
        policy.first_response.target = SignedDuration::ZERO;
        policy.warning_percent = 100;
        policy.escalations = vec![
            Escalation {
                percent: 200,
                audience: Audience::Supervisors,
            },
            Escalation {
                percent: 150,
                audience: Audience::Administrators,
            },
            Escalation {
                percent: 50,
                audience: Audience::Administrators,
            },
        ];
        let violations = policy.validate().unwrap_err();
        for field in [
            "policy.first_response.target",
            "policy.warning_percent",
            "policy.escalations[1].percent",
            "policy.escalations[2].percent",
        ] {
            assert!(violations.has(field), "{field}: {violations}");
        }
        assert!(!violations.has("policy.escalations[0].percent"));
    }

    #[test]
    fn shares_are_exact() {
        assert_eq!(
            share(SignedDuration::from_hours(48), 75),
            SignedDuration::from_hours(36)
        );
        assert_eq!(
            share(SignedDuration::from_hours(48), 200),
            SignedDuration::from_hours(96)
        );
        assert_eq!(
            share(SignedDuration::from_secs(3), 50),
            SignedDuration::from_millis(1500)
        );
    }
}
