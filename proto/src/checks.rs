//! What a request must satisfy before any handler sees it: every
//! enumeration field holds a value this build knows. Protobuf enumerations
//! are open, so a value sent by a newer client, a typo in a script or an
//! attacker reaches the server as a bare number; read as a default it would
//! fail open (an unknown message visibility shown to the partner). The walk
//! of each message is generated from the descriptors (`build/checks.rs`).

use std::fmt;

use relais_core::validation::Violations;

/// Finds the enumeration fields of a message holding unknown values.
pub trait EnumFields {
    /// Appends every field under `at` whose value this build does not know.
    fn unknown_enums(&self, _at: FieldPath<'_>, _found: &mut Vec<UnknownEnum>) {}
}

/// A message at the top of an RPC.
pub trait RpcMessage: EnumFields {
    /// The full protobuf name, as errors name it.
    const NAME: &'static str;
    /// Whether servers receive it. What a server cannot read is the caller's
    /// error; what a client cannot read is not, and a client tolerates the
    /// values a newer server may send.
    const IS_REQUEST: bool;

    /// The unknown enumeration values of the message, as field violations.
    fn enum_violations(&self) -> Option<Violations> {
        let mut found = Vec::new();
        self.unknown_enums(FieldPath::ROOT, &mut found);
        if found.is_empty() {
            return None;
        }
        let mut violations = Violations::default();
        for unknown in found {
            violations.add(
                unknown.field,
                format!(
                    "unknown value {} ({} has no such value)",
                    unknown.value, unknown.enumeration
                ),
            );
        }
        Some(violations)
    }
}

/// A field holding a value its enumeration does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnum {
    /// The field's path in the API's notation: `dependants[1].sex`.
    pub field: String,
    pub value: i32,
    pub enumeration: &'static str,
}

/// Where a field lies in a message, built as the walk descends and only
/// written out when something is found.
#[derive(Debug, Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    name: &'static str,
    index: Option<usize>,
}

impl<'a> FieldPath<'a> {
    pub const ROOT: FieldPath<'static> = FieldPath {
        parent: None,
        name: "",
        index: None,
    };

    pub fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name,
            index: None,
        }
    }

    /// Item `index` of the repeated field `name`.
    pub fn item(&'a self, name: &'static str, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name,
            index: Some(index),
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
            if parent.parent.is_some() {
                f.write_str(".")?;
            }
        }
        f.write_str(self.name)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        Ok(())
    }
}

/// Notes `value` when the enumeration `E` (named `enumeration`) has no such value.
pub fn enum_value<E: TryFrom<i32>>(
    at: FieldPath<'_>,
    value: i32,
    enumeration: &'static str,
    found: &mut Vec<UnknownEnum>,
) {
    if E::try_from(value).is_err() {
        found.push(UnknownEnum {
            field: at.to_string(),
            value,
            enumeration,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1 as pb;

    #[test]
    fn paths_are_written_as_the_api_names_fields() {
        let root = FieldPath::ROOT;
        let dependants = root.item("dependants", 1);
        assert_eq!(dependants.field("sex").to_string(), "dependants[1].sex");
        let beneficiary = root.field("beneficiary");
        assert_eq!(beneficiary.field("sex").to_string(), "beneficiary.sex");
        assert_eq!(root.field("visibility").to_string(), "visibility");
    }

    #[test]
    fn nested_repeated_and_oneof_values_are_all_found() {
        let request = pb::SubmitCaseRequest {
            category: 99,
            urgency: pb::Urgency::Urgent.into(),
            beneficiary: Some(pb::Beneficiary {
                sex: -1,
                situation: pb::Situation::Homeless.into(),
                ..Default::default()
            }),
            dependants: vec![
                pb::Dependant::default(),
                pb::Dependant {
                    relationship: 7,
                    ..Default::default()
                },
            ],
            consent: Some(pb::Consent {
                r#type: 42,
                ..Default::default()
            }),
            ..Default::default()
        };
        let violations = request.enum_violations().expect("unknown values");
        let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "category",
                "beneficiary.sex",
                "dependants[1].relationship",
                "consent.type"
            ]
        );
        assert!(
            violations
                .to_string()
                .contains("relais.v1.Sex has no such value"),
            "{violations}"
        );
        assert!(pb::SubmitCaseRequest::default().enum_violations().is_none());
    }
}
