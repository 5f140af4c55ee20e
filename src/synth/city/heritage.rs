//! Who lives in the city: heritage groups with their share of households,
//! the name pools they draw from, their naming customs (whether a wife
//! takes her husband's name, Kaur and Begum, Somali patronymics, Polish
//! feminine endings), the shape of their households and the districts
//! where they more often live. Shares are loosely those of a large, young
//! and diverse English city.

/// Household kinds, in the order of [`Heritage::kinds`].
pub const KINDS: usize = 7;

pub struct Heritage {
    pub code: &'static str,
    /// Share of the city's households.
    pub share: f64,
    /// Surname pools and how often each is drawn.
    pub surnames: &'static [(&'static str, f64)],
    /// Given-name pools and how often each is drawn.
    pub given: &'static [(&'static str, f64)],
    /// How often a married woman takes her husband's family name.
    pub takes_name: f64,
    /// Names many women hold instead of a family name (Begum, Kaur).
    pub wives: Option<&'static str>,
    /// How often a woman is named from `wives` rather than her family.
    pub wives_share: f64,
    /// A child's family name is the father's given name (Somali custom).
    pub patronymic: bool,
    /// Women's family names take the feminine ending (Kowalska).
    pub feminine_forms: bool,
    /// Share of people with a middle name.
    pub middle: f64,
    /// Share of couples who are married (and so may share a name).
    pub married: f64,
    /// Weights of the household kinds: single, couple, couple with adult
    /// children, lone parent, extended family, sharers, siblings.
    pub kinds: [f64; KINDS],
    /// Postcode districts where the group lives more often.
    pub districts: &'static [u8],
}

const BRITISH_KINDS: [f64; KINDS] = [0.33, 0.30, 0.14, 0.08, 0.01, 0.11, 0.03];
const SOUTH_ASIAN_KINDS: [f64; KINDS] = [0.10, 0.16, 0.38, 0.07, 0.22, 0.04, 0.03];

pub const HERITAGES: &[Heritage] = &[
    Heritage {
        code: "british",
        share: 0.55,
        surnames: &[("british", 1.0)],
        given: &[("british", 1.0)],
        takes_name: 0.85,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: false,
        middle: 0.55,
        married: 0.65,
        kinds: BRITISH_KINDS,
        districts: &[
            14, 25, 26, 30, 31, 32, 33, 34, 35, 36, 37, 38, 42, 43, 44, 45, 72, 73, 74, 75, 76,
        ],
    },
    Heritage {
        code: "irish",
        share: 0.03,
        surnames: &[("irish", 0.7), ("british", 0.3)],
        given: &[("irish", 0.5), ("british", 0.5)],
        takes_name: 0.85,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: false,
        middle: 0.5,
        married: 0.75,
        kinds: BRITISH_KINDS,
        districts: &[11, 12, 13, 14, 28, 30, 36],
    },
    Heritage {
        code: "caribbean",
        share: 0.05,
        surnames: &[("caribbean", 0.7), ("british", 0.3)],
        given: &[("caribbean", 0.4), ("british", 0.6)],
        takes_name: 0.8,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: false,
        middle: 0.45,
        married: 0.5,
        kinds: [0.36, 0.18, 0.12, 0.20, 0.02, 0.08, 0.04],
        districts: &[6, 7, 11, 12, 19, 20, 21, 23, 24],
    },
    Heritage {
        code: "pakistani",
        share: 0.105,
        surnames: &[("pakistani", 1.0)],
        given: &[("muslim", 1.0)],
        takes_name: 0.5,
        wives: Some("wives-pakistani"),
        wives_share: 0.2,
        patronymic: false,
        feminine_forms: false,
        middle: 0.3,
        married: 0.95,
        kinds: SOUTH_ASIAN_KINDS,
        districts: &[8, 9, 10, 11, 12, 13, 19, 20, 21, 25],
    },
    Heritage {
        code: "bangladeshi",
        share: 0.035,
        surnames: &[("bangladeshi", 1.0)],
        given: &[("muslim", 0.6), ("bangla", 0.4)],
        takes_name: 0.4,
        wives: Some("wives-bangladeshi"),
        wives_share: 0.35,
        patronymic: false,
        feminine_forms: false,
        middle: 0.3,
        married: 0.95,
        kinds: SOUTH_ASIAN_KINDS,
        districts: &[6, 7, 9, 10, 11, 12, 19],
    },
    Heritage {
        code: "indian",
        share: 0.05,
        surnames: &[("indian", 1.0)],
        given: &[("indian", 1.0)],
        takes_name: 0.6,
        wives: Some("wives-indian"),
        wives_share: 0.4,
        patronymic: false,
        feminine_forms: false,
        middle: 0.15,
        married: 0.95,
        kinds: [0.14, 0.24, 0.33, 0.06, 0.17, 0.04, 0.02],
        districts: &[13, 18, 20, 21, 28, 42, 43],
    },
    Heritage {
        code: "african",
        share: 0.05,
        surnames: &[("african", 1.0)],
        given: &[("african", 0.5), ("british", 0.5)],
        takes_name: 0.8,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: false,
        middle: 0.5,
        married: 0.75,
        kinds: [0.30, 0.18, 0.22, 0.18, 0.02, 0.08, 0.02],
        districts: &[6, 7, 18, 19, 20, 23, 24, 35, 44],
    },
    Heritage {
        code: "somali",
        share: 0.015,
        surnames: &[("somali", 1.0)],
        given: &[("somali", 1.0)],
        takes_name: 0.0,
        wives: None,
        wives_share: 0.0,
        patronymic: true,
        feminine_forms: false,
        middle: 0.1,
        married: 0.9,
        kinds: [0.18, 0.12, 0.30, 0.30, 0.05, 0.03, 0.02],
        districts: &[6, 7, 8, 9, 10, 11, 19],
    },
    Heritage {
        code: "eastern",
        share: 0.03,
        surnames: &[("eastern", 1.0)],
        given: &[("eastern", 1.0)],
        takes_name: 0.85,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: true,
        middle: 0.2,
        married: 0.7,
        kinds: [0.22, 0.30, 0.18, 0.04, 0.02, 0.22, 0.02],
        districts: &[6, 8, 9, 10, 23, 24, 25, 26, 33],
    },
    Heritage {
        code: "chinese",
        share: 0.015,
        surnames: &[("chinese", 1.0)],
        given: &[("chinese", 0.6), ("british", 0.4)],
        takes_name: 0.4,
        wives: None,
        wives_share: 0.0,
        patronymic: false,
        feminine_forms: false,
        middle: 0.25,
        married: 0.8,
        kinds: [0.25, 0.25, 0.18, 0.04, 0.04, 0.22, 0.02],
        districts: &[1, 4, 5, 15, 16, 29],
    },
];
