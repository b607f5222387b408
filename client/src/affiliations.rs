//! Generated prefecture affiliation files: what a desk exports, and what the
//! server must make of it. The tests send them to check the answers, and
//! `relais bench batch` to measure the server; pure, so both get the same file.

use std::collections::HashMap;

pub const HEADER: &str =
    "nom;prenoms;sexe;date_naissance;numero_agdref;adresse;code_postal;commune;nir;foyer;lien";
/// A NIR whose key does not match: the row is rejected, with its household.
pub const BAD_NIR: &str = "295109912611199";
pub const FUTURE: &str = "07/02/2095";

/// A generated file and what the server must make of it.
#[derive(Debug)]
pub struct Generated {
    pub text: String,
    /// The spreadsheet's number of every person's row, blank rows skipped.
    pub rows: Vec<u64>,
    /// Rows whose household is accepted, and those with a warning.
    pub accepted_rows: u64,
    pub warned_rows: u64,
    pub accepted_households: u64,
    /// Row number -> the error the row must show, for rows with one.
    pub faulty: HashMap<u64, &'static str>,
}

/// `persons` rows in households of one to four, in Paris: a household in 23
/// has a NIR with a wrong key, one in 31 a birth date in the future, one in
/// 50 a nine-digit AGDREF number (a warning); a blank row now and then, as
/// spreadsheets export them.
pub fn generate(persons: usize) -> Generated {
    generate_from(persons, 0)
}

/// [`generate`], numbering the households after `skipped` instead of from
/// 1: people the server has not seen yet, whose households are not
/// duplicates of an earlier file's. Their AGDREF numbers stay ten digits
/// while the households number fewer than 100 million.
pub fn generate_from(persons: usize, skipped: u64) -> Generated {
    let mut generated = Generated {
        text: format!("{HEADER}\n"),
        rows: Vec::with_capacity(persons),
        accepted_rows: 0,
        warned_rows: 0,
        accepted_households: 0,
        faulty: HashMap::new(),
    };
    let mut line = 2u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut household = skipped;
    while generated.rows.len() < persons {
        household += 1;
        if household.is_multiple_of(500) {
            generated.text.push_str(";;;;;;;;;;\n");
            line += 1;
        }
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // The two top bits: one to four persons.
        let size = usize::from((seed >> 62) as u8) + 1;
        let size = size.min(persons - generated.rows.len());
        let bad_nir = household.is_multiple_of(23);
        let future = household.is_multiple_of(31);
        let nine_digits = household.is_multiple_of(50);
        let foyer = format!("F{household}");
        let postal_code = format!("750{:02}", household % 20 + 1);
        let agdref = if nine_digits {
            format!("{:09}", 100_000_000 + household)
        } else {
            format!("75{household:08}")
        };
        for member in 0..size {
            let (lien, first_names, sex, birth, agdref, nir) = match member {
                0 => ("demandeur", "Olena", "F", "14/10/1985", agdref.as_str(), ""),
                1 => ("conjoint", "Andrii", "M", "01/02/1983", "", ""),
                _ => ("enfant", "Taras", "M", "02/04/2015", "", ""),
            };
            let nir = if bad_nir && member == size - 1 {
                generated.faulty.insert(line, BAD_NIR);
                BAD_NIR
            } else {
                nir
            };
            let birth = if future && member == 0 {
                generated.faulty.insert(line, FUTURE);
                FUTURE
            } else {
                birth
            };
            generated.text.push_str(&format!(
                "KOVALENKO-{household};{first_names};{sex};{birth};{agdref};\
                 {member} rue Oberkampf;{postal_code};Paris;{nir};{foyer};{lien}\n"
            ));
            generated.rows.push(line);
            line += 1;
        }
        if !(bad_nir || future) {
            let size = size as u64;
            generated.accepted_rows += size;
            generated.accepted_households += 1;
            if nine_digits {
                generated.warned_rows += 1;
            }
        }
    }
    generated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn households_numbered_further_are_other_people() {
        let first = generate(200);
        let later = generate_from(200, 1_000_000);
        assert_eq!(first.rows.len(), later.rows.len());
        assert!(first.text.contains("KOVALENKO-1;") && first.text.contains(";7500000001;"));
        assert!(later.text.contains("KOVALENKO-1000001;") && later.text.contains(";7501000001;"));
        assert!(!later.text.contains("KOVALENKO-1;"));
    }
}
