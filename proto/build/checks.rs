//! Writes, for every message of the API, the walk that finds enumeration
//! fields holding a value this build does not know (`checks::EnumFields`),
//! and marks the messages at the top of each RPC as requests or responses
//! (`checks::RpcMessage`). The walk is generated from the descriptors, so a
//! field added later is checked without anyone remembering to.

use std::{
    collections::{BTreeSet, HashMap},
    fmt::Write as _,
};

use heck::{ToSnakeCase, ToUpperCamelCase};
use protox::prost_reflect::{
    DescriptorPool, FieldDescriptor, Kind, MessageDescriptor, OneofDescriptor,
};

/// The Rust source of the checks of every message of `package`, to be
/// included in the package's module.
pub(crate) fn generate(pool: &DescriptorPool, package: &str) -> String {
    let mut enums = EnumReach::default();
    // Nested messages are walked with method calls, which see through boxes.
    let mut out = String::from("#[allow(unused_imports)]\nuse crate::checks::EnumFields as _;\n");
    let messages: Vec<MessageDescriptor> = pool
        .all_messages()
        .filter(|m| m.package_name() == package && !m.is_map_entry())
        .collect();
    for message in &messages {
        write_walk(&mut out, message, package, &mut enums);
    }
    let (requests, responses) = rpc_messages(pool, package);
    if let Some(both) = requests.intersection(&responses).next() {
        panic!(
            "{both} is both a request and a response: a client would refuse what a newer server sends"
        );
    }
    for (names, is_request) in [(&requests, true), (&responses, false)] {
        for name in names {
            let message = pool
                .get_message_by_name(name)
                .expect("an RPC's message is in the pool");
            writeln!(
                out,
                "impl crate::checks::RpcMessage for {} {{\n    const NAME: &'static str = {name:?};\n    const IS_REQUEST: bool = {is_request};\n}}",
                rust_path(message.full_name(), package)
            )
            .expect("writing to a String");
        }
    }
    out
}

/// The messages RPCs take and the messages they return, by full name.
fn rpc_messages(pool: &DescriptorPool, package: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut requests = BTreeSet::new();
    let mut responses = BTreeSet::new();
    for service in pool.services().filter(|s| s.package_name() == package) {
        for method in service.methods() {
            requests.insert(method.input().full_name().to_owned());
            responses.insert(method.output().full_name().to_owned());
        }
    }
    (requests, responses)
}

/// Whether a message holds an enumeration field, itself or in a message it
/// holds, remembered per message.
#[derive(Default)]
struct EnumReach {
    known: HashMap<String, bool>,
}

impl EnumReach {
    fn reaches(&mut self, message: &MessageDescriptor) -> bool {
        let mut visiting = BTreeSet::new();
        self.visit(message, &mut visiting)
    }

    fn visit(&mut self, message: &MessageDescriptor, visiting: &mut BTreeSet<String>) -> bool {
        if let Some(&known) = self.known.get(message.full_name()) {
            return known;
        }
        // A message that holds itself adds nothing its other fields do not.
        if !visiting.insert(message.full_name().to_owned()) {
            return false;
        }
        let reaches = message.fields().any(|field| match field.kind() {
            Kind::Enum(_) => true,
            Kind::Message(inner) => self.visit(&inner, visiting),
            _ => false,
        });
        visiting.remove(message.full_name());
        self.known.insert(message.full_name().to_owned(), reaches);
        reaches
    }
}

fn write_walk(out: &mut String, message: &MessageDescriptor, package: &str, enums: &mut EnumReach) {
    let ty = rust_path(message.full_name(), package);
    if !enums.reaches(message) {
        writeln!(out, "impl crate::checks::EnumFields for {ty} {{}}").expect("writing to a String");
        return;
    }
    let mut body = String::new();
    for field in message.fields() {
        if field.containing_oneof().is_some_and(|o| !o.is_synthetic()) {
            continue;
        }
        write_field(&mut body, &field, package, enums);
    }
    for oneof in message.oneofs().filter(|o| !o.is_synthetic()) {
        write_oneof(&mut body, message, &oneof, package, enums);
    }
    writeln!(
        out,
        "impl crate::checks::EnumFields for {ty} {{\n    fn unknown_enums(&self, at: crate::checks::FieldPath<'_>, found: &mut Vec<crate::checks::UnknownEnum>) {{\n{body}    }}\n}}"
    )
    .expect("writing to a String");
}

/// The check of one field that is not part of a real `oneof`.
fn write_field(body: &mut String, field: &FieldDescriptor, package: &str, enums: &mut EnumReach) {
    let name = field.name();
    let ident = field_ident(name);
    if field.is_map() {
        let value = field
            .kind()
            .as_message()
            .and_then(|entry| entry.get_field_by_name("value"))
            .expect("a map entry has a value");
        let checked = match value.kind() {
            Kind::Enum(_) => true,
            Kind::Message(inner) => enums.reaches(&inner),
            _ => false,
        };
        assert!(
            !checked,
            "{}: maps of enumerations are not checked yet: teach build/checks.rs",
            field.full_name()
        );
        return;
    }
    let line = match field.kind() {
        Kind::Enum(e) => {
            let (ty, full) = (rust_path(e.full_name(), package), e.full_name());
            if field.is_list() {
                format!(
                    "for (i, value) in self.{ident}.iter().enumerate() {{ crate::checks::enum_value::<{ty}>(at.item({name:?}, i), *value, {full:?}, found); }}"
                )
            } else if field.supports_presence() {
                format!(
                    "if let Some(value) = self.{ident} {{ crate::checks::enum_value::<{ty}>(at.field({name:?}), value, {full:?}, found); }}"
                )
            } else {
                format!(
                    "crate::checks::enum_value::<{ty}>(at.field({name:?}), self.{ident}, {full:?}, found);"
                )
            }
        }
        Kind::Message(inner) if enums.reaches(&inner) => {
            if field.is_list() {
                format!(
                    "for (i, value) in self.{ident}.iter().enumerate() {{ value.unknown_enums(at.item({name:?}, i), found); }}"
                )
            } else {
                format!(
                    "if let Some(value) = &self.{ident} {{ value.unknown_enums(at.field({name:?}), found); }}"
                )
            }
        }
        _ => return,
    };
    writeln!(body, "        {line}").expect("writing to a String");
}

/// The check of a real `oneof`: the variant set, if it holds an enumeration.
fn write_oneof(
    body: &mut String,
    message: &MessageDescriptor,
    oneof: &OneofDescriptor,
    package: &str,
    enums: &mut EnumReach,
) {
    let oneof_type = format!(
        "{}::{}",
        module_path(message.full_name(), package),
        oneof.name().to_upper_camel_case()
    );
    let mut arms = String::new();
    for field in oneof.fields() {
        let name = field.name();
        let variant = name.to_upper_camel_case();
        let check = match field.kind() {
            Kind::Enum(e) => format!(
                "crate::checks::enum_value::<{}>(at.field({name:?}), *value, {:?}, found)",
                rust_path(e.full_name(), package),
                e.full_name()
            ),
            Kind::Message(inner) if enums.reaches(&inner) => {
                format!("value.unknown_enums(at.field({name:?}), found)")
            }
            _ => continue,
        };
        writeln!(
            arms,
            "            Some({oneof_type}::{variant}(value)) => {check},"
        )
        .expect("writing to a String");
    }
    if arms.is_empty() {
        return;
    }
    writeln!(
        body,
        "        match &self.{} {{\n{arms}            _ => {{}}\n        }}",
        field_ident(oneof.name())
    )
    .expect("writing to a String");
}

/// The Rust path of a message or enumeration of `package`, from the
/// package's module: `.relais.v1.Beneficiary.Kind` is `beneficiary::Kind`.
fn rust_path(full_name: &str, package: &str) -> String {
    let local = full_name
        .strip_prefix(package)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or_else(|| panic!("{full_name} is not in {package}"));
    let mut parts: Vec<&str> = local.split('.').collect();
    let last = parts.pop().expect("a name has a last part");
    let mut path: Vec<String> = parts.iter().map(|p| p.to_snake_case()).collect();
    path.push(type_ident(last));
    path.join("::")
}

/// The module prost puts a message's nested types in.
fn module_path(full_name: &str, package: &str) -> String {
    let local = full_name
        .strip_prefix(package)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or_else(|| panic!("{full_name} is not in {package}"));
    local
        .split('.')
        .map(|p| p.to_snake_case())
        .collect::<Vec<_>>()
        .join("::")
}

fn type_ident(name: &str) -> String {
    let ident = name.to_upper_camel_case();
    if ident == "Self" {
        "Self_".to_owned()
    } else {
        ident
    }
}

/// A field's name as prost spells it: snake case, keywords raw.
fn field_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
        "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
        "ref", "return", "static", "struct", "trait", "true", "try", "type", "unsafe", "use",
        "where", "while", "yield",
    ];
    let ident = name.to_snake_case();
    if KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}
