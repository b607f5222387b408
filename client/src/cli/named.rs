//! The domain's named enumerations (`cpam`, `in_progress`, `carte_vitale`) as
//! command-line values and as display names: the words of the domain, the
//! same in the CLI, in JSON batch files and in the server's messages.

use std::{ffi::OsStr, marker::PhantomData};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use relais_core::{
    case::{
        Category, ConsentType, EventKind, MessageKind, Outcome, Relationship, Sex, Situation,
        Status, Usefulness,
    },
    org::{OrganisationKind, Role},
    sla::{Audience, ClockKind, SlaState, TargetKind, report::Grouping},
};
use relais_proto::convert::FromWire;

pub(crate) trait Named: Copy + Send + Sync + 'static {
    fn every() -> &'static [Self];
    fn name(self) -> &'static str;
    fn parse_name(name: &str) -> Option<Self>;
}

macro_rules! named {
    ($($t:ty),+ $(,)?) => {$(
        impl Named for $t {
            fn every() -> &'static [Self] {
                <$t>::ALL
            }
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn parse_name(name: &str) -> Option<Self> {
                <$t>::from_name(name)
            }
        }
    )+};
}

named!(
    OrganisationKind,
    Role,
    Status,
    Category,
    Sex,
    Situation,
    Relationship,
    ConsentType,
    Outcome,
    Usefulness,
    MessageKind,
    EventKind,
    SlaState,
    TargetKind,
    ClockKind,
    Audience,
    Grouping,
);

/// Parses a named value; an unknown one is a usage error listing the accepted names.
#[derive(Debug)]
pub(crate) struct NamedParser<T>(PhantomData<fn() -> T>);

impl<T> Clone for NamedParser<T> {
    fn clone(&self) -> Self {
        NamedParser(PhantomData)
    }
}

pub(crate) fn named<T: Named>() -> NamedParser<T> {
    NamedParser(PhantomData)
}

impl<T: Named> TypedValueParser for NamedParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let names = || PossibleValuesParser::new(T::every().iter().map(|v| v.name()));
        // The CLI prints statuses in capitals (`IN_PROGRESS`); they may be typed back so.
        let name = names()
            .parse_ref(cmd, arg, value)
            .or_else(|error| match value.to_str() {
                Some(text) => names()
                    .parse_ref(cmd, arg, OsStr::new(&text.to_lowercase()))
                    .map_err(|_| error),
                None => Err(error),
            })?;
        T::parse_name(&name)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            T::every().iter().map(|v| PossibleValue::new(v.name())),
        ))
    }
}

/// The domain name of a wire enumeration value (`in_progress`), `None` when
/// unspecified or unknown to this version.
pub(crate) fn wire_name<T: Named + FromWire>(value: i32) -> Option<&'static str> {
    T::from_wire(value).map(T::name)
}

/// The domain name of a wire value, or an empty string.
pub(crate) fn name_of<T: Named + FromWire>(value: i32) -> &'static str {
    wire_name::<T>(value).unwrap_or_default()
}

/// A status as the CLI shows it: `IN_PROGRESS`.
pub(crate) fn status_label(value: i32) -> String {
    wire_name::<Status>(value)
        .map(str::to_ascii_uppercase)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use clap::{Arg, Command};
    use relais_client::pb;

    use super::*;

    fn command() -> Command {
        Command::new("t").arg(
            Arg::new("kind")
                .long("kind")
                .value_parser(named::<OrganisationKind>()),
        )
    }

    #[test]
    fn names_parse_to_the_domain_value() {
        let matches = command()
            .try_get_matches_from(["t", "--kind", "france_services"])
            .unwrap();
        assert_eq!(
            matches.get_one::<OrganisationKind>("kind"),
            Some(&OrganisationKind::FranceServices)
        );
        let matches = command()
            .try_get_matches_from(["t", "--kind", "CPAM"])
            .unwrap();
        assert_eq!(
            matches.get_one::<OrganisationKind>("kind"),
            Some(&OrganisationKind::Cpam)
        );
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let error = command()
            .try_get_matches_from(["t", "--kind", "hospital"])
            .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("cpam") && text.contains("france_services"),
            "{text}"
        );
    }

    #[test]
    fn wire_values_get_their_domain_names() {
        assert_eq!(
            wire_name::<Category>(pb::Category::CarteVitale.into()),
            Some("carte_vitale")
        );
        assert_eq!(wire_name::<Category>(0), None);
        assert_eq!(
            status_label(pb::CaseStatus::WaitingOnPartner.into()),
            "WAITING_ON_PARTNER"
        );
    }
}
