//! Organisations, accounts and roles.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    ids::Departement,
    text::{self, Lines, limits},
    validation::Violations,
};

/// Declares a UUID-backed identifier type. Identifiers are version 7 UUIDs,
/// so they sort in creation order.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn generate() -> Self {
                Self(::uuid::Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: ::uuid::Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> ::uuid::Uuid {
                self.0
            }

            /// Parses the canonical text form; the error is a user-facing reason.
            pub fn parse(text: &str) -> Result<Self, String> {
                ::uuid::Uuid::parse_str(text.trim())
                    .map(Self)
                    .map_err(|_| "expected an identifier (UUID)".to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
pub(crate) use uuid_id;

uuid_id!(
    /// An organisation's identifier.
    OrganisationId
);
uuid_id!(
    /// An account's identifier.
    AccountId
);
uuid_id!(
    /// A bearer token's identifier (not the secret).
    TokenId
);

/// Declares a field-less enum with a stable lowercase name for storage and display.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$variant_doc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used in storage, JSON and the CLI.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The inverse of [`Self::as_str`].
            pub fn from_name(name: &str) -> Option<Self> {
                match name { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use named_enum;

named_enum!(
    /// What an organisation is; decides the roles of its accounts.
    OrganisationKind {
        Cpam => "cpam",
        Cgss => "cgss",
        Prefecture => "prefecture",
        FranceServices => "france_services",
        Ccas => "ccas",
        Association => "association",
        Mairie => "mairie",
        Caf => "caf",
        Other => "other",
    }
);

impl OrganisationKind {
    /// A health-insurance fund: handles cases.
    pub const fn is_caisse(self) -> bool {
        matches!(self, OrganisationKind::Cpam | OrganisationKind::Cgss)
    }

    /// Whether the organisation may be shown a stored NIR: only bodies the
    /// décret n° 2019-341 entitles to process it. Associations, CCAS and
    /// mairies may send one, never read one back; `other` is treated likewise.
    pub const fn may_process_nir(self) -> bool {
        matches!(
            self,
            OrganisationKind::Cpam
                | OrganisationKind::Cgss
                | OrganisationKind::Prefecture
                | OrganisationKind::FranceServices
                | OrganisationKind::Caf
        )
    }
}

named_enum!(
    /// One role per account.
    Role {
        PartnerAgent => "partner_agent",
        PartnerSystem => "partner_system",
        CaisseAgent => "caisse_agent",
        Supervisor => "supervisor",
        Admin => "admin",
        /// Reads the audit trail, and nothing else.
        Auditor => "auditor",
    }
);

impl Role {
    pub const fn is_partner(self) -> bool {
        matches!(self, Role::PartnerAgent | Role::PartnerSystem)
    }

    /// An agent of a fund (supervisors included).
    pub const fn is_caisse(self) -> bool {
        matches!(self, Role::CaisseAgent | Role::Supervisor)
    }

    /// An account a person uses (rather than a partner's information system).
    pub const fn is_person(self) -> bool {
        !matches!(self, Role::PartnerSystem)
    }

    /// Whether an account of an organisation of `kind` may hold this role;
    /// the error is the reason shown to the administrator.
    pub fn check_allowed_in(self, kind: OrganisationKind) -> Result<(), String> {
        if self.is_caisse() && !kind.is_caisse() {
            return Err(format!(
                "a {self} account must belong to a cpam or cgss organisation, not a {kind} one"
            ));
        }
        if self.is_partner() && kind.is_caisse() {
            return Err(format!(
                "a {self} account must belong to a partner organisation, not a {kind} one"
            ));
        }
        Ok(())
    }
}

/// An organisation named for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRef {
    pub id: OrganisationId,
    pub name: String,
}

/// An account named for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub departement: Option<Departement>,
    pub created_at: Timestamp,
}

impl Organisation {
    pub fn as_ref(&self) -> OrgRef {
        OrgRef {
            id: self.id,
            name: self.name.clone(),
        }
    }

    /// This organisation as the handler of cases: only funds handle them.
    pub fn as_handler(&self) -> Result<OrgRef, String> {
        if self.kind.is_caisse() {
            Ok(self.as_ref())
        } else {
            Err(format!(
                "{} is a {} organisation, not a CPAM or CGSS",
                self.name, self.kind
            ))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub organisation: OrgRef,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

/// A validated request to create an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub departement: Option<Departement>,
}

impl NewOrganisation {
    /// Checks an organisation as an administrator typed it. The département is
    /// required except for kind `other` (national bodies, the operators).
    pub fn validate(
        name: &str,
        kind: Option<OrganisationKind>,
        departement: &str,
    ) -> Result<NewOrganisation, Violations> {
        let mut violations = Violations::default();
        let name = text::required(
            &mut violations,
            "name",
            name,
            limits::ORGANISATION_NAME,
            Lines::Single,
        );
        if kind.is_none() {
            violations.add("kind", kind_reason());
        }
        let departement = match departement.trim() {
            // Without a kind, whether a département is needed is unknown: the kind's violation says enough.
            "" if kind.is_none_or(|k| k == OrganisationKind::Other) => None,
            "" => {
                violations.add(
                    "departement",
                    "required (a département code such as 75, 2A or 974)",
                );
                None
            }
            code => match Departement::parse(code) {
                Ok(d) => Some(d),
                Err(e) => {
                    violations.add("departement", e.to_string());
                    None
                }
            },
        };
        match (name, kind) {
            (Some(name), Some(kind)) if violations.is_empty() => Ok(NewOrganisation {
                name,
                kind,
                departement,
            }),
            _ => Err(violations),
        }
    }
}

fn kind_reason() -> String {
    let names: Vec<&str> = OrganisationKind::ALL.iter().map(|k| k.as_str()).collect();
    format!("required, one of: {}", names.join(", "))
}

/// A validated request to create an account (the role still has to fit the
/// organisation's kind, which [`Role::check_allowed_in`] decides once the
/// organisation is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub organisation: OrganisationId,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl NewAccount {
    pub fn validate(
        organisation: &str,
        name: &str,
        email: &str,
        role: Option<Role>,
    ) -> Result<NewAccount, Violations> {
        let mut violations = Violations::default();
        let organisation = match OrganisationId::parse(organisation) {
            Ok(id) => Some(id),
            Err(reason) => {
                violations.add("organisation_id", reason);
                None
            }
        };
        let name = text::required(
            &mut violations,
            "name",
            name,
            limits::ACCOUNT_NAME,
            Lines::Single,
        );
        let email = match text::parse_email(email) {
            Ok(email) => Some(email),
            Err(reason) => {
                violations.add("email", reason);
                None
            }
        };
        if role.is_none() {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            violations.add("role", format!("required, one of: {}", names.join(", ")));
        }
        match (organisation, name, email, role) {
            (Some(organisation), Some(name), Some(email), Some(role)) => Ok(NewAccount {
                organisation,
                name,
                email,
                role,
            }),
            _ => Err(violations),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_fit_organisation_kinds() {
        assert!(
            Role::CaisseAgent
                .check_allowed_in(OrganisationKind::Cpam)
                .is_ok()
        );
        assert!(
            Role::Supervisor
                .check_allowed_in(OrganisationKind::Cgss)
                .is_ok()
        );
        assert!(
            Role::CaisseAgent
                .check_allowed_in(OrganisationKind::FranceServices)
                .is_err()
        );
        assert!(
            Role::PartnerAgent
                .check_allowed_in(OrganisationKind::Cpam)
                .is_err()
        );
        assert!(
            Role::PartnerSystem
                .check_allowed_in(OrganisationKind::Prefecture)
                .is_ok()
        );
        for kind in OrganisationKind::ALL {
            assert!(Role::Admin.check_allowed_in(*kind).is_ok());
            assert!(Role::Auditor.check_allowed_in(*kind).is_ok());
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_name(kind.as_str()), Some(*kind));
        }
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.as_str()), Some(*role));
        }
        assert_eq!(Role::from_name("root"), None);
    }

    #[test]
    fn organisations_need_a_departement_except_other() {
        let ok =
            NewOrganisation::validate("CPAM de Paris", Some(OrganisationKind::Cpam), "75").unwrap();
        assert_eq!(ok.departement.unwrap().code(), "75");
        assert!(NewOrganisation::validate("Opérateurs", Some(OrganisationKind::Other), "").is_ok());
        let err = NewOrganisation::validate("", None, "").unwrap_err();
        assert!(err.has("name") && err.has("kind") && !err.has("departement"));
        let err = NewOrganisation::validate("CPAM", Some(OrganisationKind::Cpam), "").unwrap_err();
        assert!(err.has("departement"));
        let err =
            NewOrganisation::validate("CPAM", Some(OrganisationKind::Cpam), "20").unwrap_err();
        assert!(err.has("departement"));
    }

    #[test]
    fn accounts_are_checked_field_by_field() {
        let err = NewAccount::validate("nope", "", "not-an-email", None).unwrap_err();
        for field in ["organisation_id", "name", "email", "role"] {
            assert!(err.has(field), "{field} not reported");
        }
        let id = OrganisationId::generate().to_string();
        let ok = NewAccount::validate(&id, "Awa Diallo", "awa@cpam75.fr", Some(Role::CaisseAgent))
            .unwrap();
        assert_eq!(ok.email, "awa@cpam75.fr");
    }
}
