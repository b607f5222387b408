//! French public holidays: the national list (Code du travail L3133-1) and the
//! local ones of Alsace-Moselle and the overseas départements.

use jiff::civil::{Date, date};

use crate::ids::Departement;

/// Where a holiday is observed.
#[derive(Debug, Clone, Copy)]
enum Region {
    Everywhere,
    AlsaceMoselle,
    Only(&'static str),
}

impl Region {
    fn includes(self, departement: Departement) -> bool {
        match self {
            Region::Everywhere => true,
            Region::AlsaceMoselle => departement.is_alsace_moselle(),
            Region::Only(code) => departement.code() == code,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum When {
    Fixed {
        month: i8,
        day: i8,
    },
    /// Days after Easter Sunday (negative: before).
    Easter(i16),
}

#[derive(Debug)]
struct Rule {
    when: When,
    name: &'static str,
    regions: &'static [Region],
}

const NATIONAL: &[Region] = &[Region::Everywhere];
const GOOD_FRIDAY: &[Region] = &[
    Region::AlsaceMoselle,
    Region::Only("971"),
    Region::Only("972"),
];

const fn fixed(month: i8, day: i8, name: &'static str, regions: &'static [Region]) -> Rule {
    Rule {
        when: When::Fixed { month, day },
        name,
        regions,
    }
}

const fn easter(offset: i16, name: &'static str, regions: &'static [Region]) -> Rule {
    Rule {
        when: When::Easter(offset),
        name,
        regions,
    }
}

/// National holidays come first: when two holidays fall on the same date, the
/// date is listed once, under the first rule's name.
const RULES: &[Rule] = &[
    fixed(1, 1, "Jour de l'an", NATIONAL),
    easter(1, "Lundi de Pâques", NATIONAL),
    fixed(5, 1, "Fête du travail", NATIONAL),
    fixed(5, 8, "Victoire 1945", NATIONAL),
    easter(39, "Ascension", NATIONAL),
    easter(50, "Lundi de Pentecôte", NATIONAL),
    fixed(7, 14, "Fête nationale", NATIONAL),
    fixed(8, 15, "Assomption", NATIONAL),
    fixed(11, 1, "Toussaint", NATIONAL),
    fixed(11, 11, "Armistice", NATIONAL),
    fixed(12, 25, "Noël", NATIONAL),
    easter(-2, "Vendredi saint", GOOD_FRIDAY),
    fixed(12, 26, "Saint-Étienne", &[Region::AlsaceMoselle]),
    easter(-24, "Mi-Carême", &[Region::Only("971")]),
    fixed(5, 27, "Abolition de l'esclavage", &[Region::Only("971")]),
    fixed(5, 22, "Abolition de l'esclavage", &[Region::Only("972")]),
    fixed(6, 10, "Abolition de l'esclavage", &[Region::Only("973")]),
    fixed(12, 20, "Abolition de l'esclavage", &[Region::Only("974")]),
    fixed(4, 27, "Abolition de l'esclavage", &[Region::Only("976")]),
    fixed(
        7,
        21,
        "Fête Victor Schœlcher",
        &[Region::Only("971"), Region::Only("972")],
    ),
];

impl Rule {
    fn applies_to(&self, departement: Departement) -> bool {
        self.regions.iter().any(|r| r.includes(departement))
    }

    /// Its date in `year`; `easter` is that year's Easter Sunday.
    fn date_in(&self, year: i16, easter: Date) -> Date {
        match self.when {
            When::Fixed { month, day } => date(year, month, day),
            // Easter falls between 22 March and 25 April and the offsets stay
            // within -24..=50 days, so the result is always in the same year.
            When::Easter(offset) => easter
                .with()
                .day_of_year(easter.day_of_year() + offset)
                .build()
                .expect("Easter-relative holidays stay within Easter's year"),
        }
    }

    fn falls_on(&self, day: Date, easter: Date) -> bool {
        match self.when {
            When::Fixed { month, day: d } => day.month() == month && day.day() == d,
            When::Easter(offset) => day.day_of_year() == easter.day_of_year() + offset,
        }
    }
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus, also
/// known as Meeus/Jones/Butcher). Valid for every year jiff represents.
pub fn easter_sunday(year: i16) -> Date {
    // Euclidean division keeps the arithmetic meaningful for the proleptic
    // years before 1 as well, so the result is always a valid date.
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 and n % 31 + 1 at most 31: both fit in an i8.
    date(year, (n / 31) as i8, (n % 31 + 1) as i8)
}

/// The public holidays of a département in a year, sorted by date, each with
/// its French name. A date appears once even when two holidays share it (the
/// national holiday's name is kept).
pub fn public_holidays(departement: Departement, year: i16) -> Vec<(Date, &'static str)> {
    let easter = easter_sunday(year);
    let mut holidays: Vec<(Date, &'static str)> = RULES
        .iter()
        .filter(|rule| rule.applies_to(departement))
        .map(|rule| (rule.date_in(year, easter), rule.name))
        .collect();
    // Stable, so that on a shared date the rule listed first stays first.
    holidays.sort_by_key(|&(day, _)| day);
    holidays.dedup_by_key(|&mut (day, _)| day);
    holidays
}

/// Whether `day` is a public holiday in the département. Cheap enough to call
/// for every day of a long interval: it allocates nothing.
pub fn is_public_holiday(departement: Departement, day: Date) -> bool {
    let easter = easter_sunday(day.year());
    RULES
        .iter()
        .any(|rule| rule.falls_on(day, easter) && rule.applies_to(departement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::Weekday;
    use proptest::prelude::*;

    fn dep(code: &str) -> Departement {
        Departement::parse(code).unwrap()
    }

    fn dates(departement: &str, year: i16) -> Vec<String> {
        public_holidays(dep(departement), year)
            .into_iter()
            .map(|(d, name)| format!("{d} {name}"))
            .collect()
    }

    #[test]
    fn easter_sundays() {
        for (year, month, day) in [
            (1818, 3, 22),
            (1961, 4, 2),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), date(year, month, day), "{year}");
        }
    }

    #[test]
    fn national_holidays_2026() {
        let expected = [
            "2026-01-01 Jour de l'an",
            "2026-04-06 Lundi de Pâques",
            "2026-05-01 Fête du travail",
            "2026-05-08 Victoire 1945",
            "2026-05-14 Ascension",
            "2026-05-25 Lundi de Pentecôte",
            "2026-07-14 Fête nationale",
            "2026-08-15 Assomption",
            "2026-11-01 Toussaint",
            "2026-11-11 Armistice",
            "2026-12-25 Noël",
        ];
        assert_eq!(dates("75", 2026), expected);
        // Every metropolitan département outside Alsace-Moselle has exactly
        // the national list.
        for d in Departement::all().filter(|d| !d.is_overseas() && !d.is_alsace_moselle()) {
            assert_eq!(dates(d.code(), 2026), expected, "{d}");
        }
    }

    #[test]
    fn alsace_moselle_adds_good_friday_and_saint_stephen() {
        for code in ["57", "67", "68"] {
            let all = dates(code, 2026);
            assert_eq!(all.len(), 13, "{code}");
            assert_eq!(all[1], "2026-04-03 Vendredi saint");
            assert_eq!(all[2], "2026-04-06 Lundi de Pâques");
            assert_eq!(all[12], "2026-12-26 Saint-Étienne");
        }
    }

    fn extras(code: &str, year: i16) -> Vec<String> {
        let national = dates("75", year);
        dates(code, year)
            .into_iter()
            .filter(|d| !national.contains(d))
            .collect()
    }

    #[test]
    fn overseas_extras() {
        assert_eq!(
            extras("971", 2026),
            [
                "2026-03-12 Mi-Carême",
                "2026-04-03 Vendredi saint",
                "2026-05-27 Abolition de l'esclavage",
                "2026-07-21 Fête Victor Schœlcher",
            ]
        );
        assert_eq!(
            extras("972", 2026),
            [
                "2026-04-03 Vendredi saint",
                "2026-05-22 Abolition de l'esclavage",
                "2026-07-21 Fête Victor Schœlcher",
            ]
        );
        assert_eq!(extras("973", 2026), ["2026-06-10 Abolition de l'esclavage"]);
        assert_eq!(extras("974", 2027), ["2027-12-20 Abolition de l'esclavage"]);
        assert_eq!(extras("976", 2026), ["2026-04-27 Abolition de l'esclavage"]);
        assert_eq!(extras("971", 2027)[0], "2027-03-04 Mi-Carême");
        assert_eq!(extras("971", 2028)[1], "2028-04-14 Vendredi saint");
    }

    #[test]
    fn a_shared_date_is_listed_once() {
        // 2008: Ascension (23 March + 39 days) fell on 1 May.
        let all = public_holidays(dep("75"), 2008);
        assert_eq!(all.len(), 10);
        assert!(all.contains(&(date(2008, 5, 1), "Fête du travail")));
        assert!(!all.iter().any(|&(_, name)| name == "Ascension"));
        assert!(is_public_holiday(dep("75"), date(2008, 5, 1)));
    }

    #[test]
    fn is_public_holiday_follows_the_departement() {
        assert!(is_public_holiday(dep("75"), date(2026, 5, 14)));
        assert!(!is_public_holiday(dep("75"), date(2026, 5, 15)));
        assert!(!is_public_holiday(dep("75"), date(2026, 4, 3)));
        assert!(is_public_holiday(dep("67"), date(2026, 4, 3)));
        assert!(is_public_holiday(dep("974"), date(2027, 12, 20)));
        assert!(!is_public_holiday(dep("976"), date(2027, 12, 20)));
        assert!(!is_public_holiday(dep("974"), date(2026, 12, 26)));
        assert!(is_public_holiday(dep("57"), date(2026, 12, 26)));
    }

    proptest! {
        #[test]
        fn easter_is_a_sunday_between_22_march_and_25_april(year in 1583i16..=9999) {
            let easter = easter_sunday(year);
            prop_assert_eq!(easter.year(), year);
            prop_assert_eq!(easter.weekday(), Weekday::Sunday);
            prop_assert!(easter >= date(year, 3, 22) && easter <= date(year, 4, 25));
        }

        #[test]
        fn the_list_and_the_predicate_agree(
            index in 0usize..101,
            year in 1900i16..=2200,
            day_of_year in 1i16..=366,
        ) {
            let departement = Departement::all().nth(index).unwrap();
            let list = public_holidays(departement, year);
            prop_assert!(list.windows(2).all(|w| w[0].0 < w[1].0));
            for &(day, _) in &list {
                prop_assert!(is_public_holiday(departement, day));
            }
            let first = date(year, 1, 1);
            if let Ok(day) = first.checked_add((day_of_year - 1).days())
                && day.year() == year
            {
                prop_assert_eq!(
                    is_public_holiday(departement, day),
                    list.iter().any(|&(d, _)| d == day)
                );
            }
        }
    }
}
