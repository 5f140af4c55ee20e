//! Spellings of one name that different clerks write for the same person:
//! transliterations (Mohammed, Muhammad, Mohamed), English spelling pairs
//! (Stephen, Steven), and the masculine and feminine forms of Polish
//! family names. Only the generator uses them: the matcher has to cope
//! with them without being told.

/// Given names: each row is one name as it is spelt in different records.
const GIVEN: &[&[&str]] = &[
    &[
        "mohammed", "muhammad", "mohammad", "mohamed", "muhammed", "mohamad",
    ],
    &["aisha", "ayesha", "aysha", "aishah"],
    &["fatima", "fatimah", "fatma"],
    &["maryam", "mariam", "miriam"],
    &["zainab", "zaynab", "zenab"],
    &["khadija", "khadijah", "khadeeja"],
    &["yusuf", "yousuf", "yousaf", "yusef"],
    &["ibrahim", "ebrahim"],
    &["abdullah", "abdulla"],
    &["abdullahi", "abdulahi"],
    &["hamza", "hamzah"],
    &["usman", "osman", "uthman"],
    &["umar", "omar"],
    &["ayaan", "ayan"],
    &["rayyan", "rayan"],
    &["zakariya", "zakaria", "zakariyya"],
    &["haroon", "harun"],
    &["hassan", "hasan"],
    &["hussein", "hussain", "husain"],
    &["shahid", "shahed"],
    &["nasreen", "nasrin"],
    &["parveen", "parvin", "perveen"],
    &["yasmin", "yasmeen", "yasmine"],
    &["rukhsana", "ruksana"],
    &["iqra", "ikra"],
    &["fadumo", "faduma"],
    &["sahra", "sahara"],
    &["mohamud", "mahmoud", "mahmud"],
    &["harpreet", "harprit"],
    &["jaswinder", "jasvinder"],
    &["sukhvinder", "sukhwinder"],
    &["rajvinder", "rajwinder"],
    &["kulwant", "kulwent"],
    &["stephen", "steven"],
    &["catherine", "katherine", "kathryn", "catharine"],
    &["philip", "phillip"],
    &["geoffrey", "jeffrey"],
    &["sean", "shaun", "shawn"],
    &["jonathan", "johnathan", "jonathon"],
    &["lindsay", "lindsey"],
    &["ann", "anne"],
    &["elizabeth", "elisabeth"],
    &["rachel", "rachael"],
    &["hayley", "haley", "hailey"],
    &["teresa", "theresa"],
    &["alan", "allan", "allen"],
    &["brian", "bryan"],
    &["claire", "clare"],
    &["sarah", "sara"],
    &["tracey", "tracy"],
    &["nicola", "nichola"],
    &["matthew", "mathew"],
    &["gemma", "jemma"],
    &["kirsty", "kirstie"],
    &["leanne", "lianne"],
    &["stuart", "stewart"],
    &["neil", "neal"],
    &["mark", "marc"],
    &["carl", "karl"],
    &["lewis", "louis"],
    &["jeffrey", "jeffery"],
    &["sophie", "sophia"],
    &["isabella", "isabela"],
    &["lynne", "lynn"],
    &["carole", "carol"],
    &["caroline", "carolyn"],
    &["deborah", "debra", "debbora"],
    &["zoe", "zoey"],
    &["siobhan", "shivaun"],
    &["niamh", "neve"],
    &["ciaran", "kieran"],
];

/// Family names.
const FAMILY: &[&[&str]] = &[
    &["mohammed", "muhammad", "mohamed", "mohammad"],
    &["hussain", "hussein", "husain"],
    &["ahmed", "ahmad"],
    &["mahmood", "mahmud", "mehmood"],
    &["rehman", "rahman"],
    &["choudhury", "chowdhury", "choudhry", "chaudhry"],
    &["siddique", "siddiqui", "saddique"],
    &["yousaf", "yusuf", "yousuf"],
    &["miah", "mia"],
    &["hoque", "haque", "huq"],
    &["mohamud", "mahmoud"],
    &["abdullahi", "abdulahi"],
    &["hassan", "hasan"],
    &["thompson", "thomson"],
    &["davies", "davis"],
    &["phillips", "philips"],
    &["matthews", "mathews"],
    &["clarke", "clark"],
    &["reid", "reed", "read"],
    &["gray", "grey"],
    &["mcdonald", "macdonald"],
    &["o'neill", "oneill", "o'neil"],
    &["o'brien", "obrien"],
    &["o'connor", "oconnor"],
    &["o'sullivan", "osullivan"],
    &["mcloughlin", "mclaughlin"],
    &["mckenzie", "mackenzie"],
    &["nicholls", "nichols"],
    &["stephens", "stevens"],
    &["wong", "wang"],
    &["chan", "chen"],
    &["cheung", "zhang"],
];

fn row(table: &'static [&'static [&'static str]], name: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|r| r.contains(&name))
        .copied()
        .unwrap_or(&[])
}

/// Other spellings of a (lower-case) given name; empty when it has none.
pub fn given(name: &str) -> impl Iterator<Item = &'static str> {
    let name = name.to_owned();
    row(GIVEN, &name)
        .iter()
        .copied()
        .filter(move |v| *v != name)
}

/// Other spellings of a (lower-case) family name; empty when it has none.
pub fn family(name: &str) -> impl Iterator<Item = &'static str> {
    let name = name.to_owned();
    row(FAMILY, &name)
        .iter()
        .copied()
        .filter(move |v| *v != name)
}

/// Whether two given names are spellings of one name (so twins are never
/// given them).
pub fn same_given(a: &str, b: &str) -> bool {
    a == b || given(a).any(|v| v == b)
}

/// The feminine form of a Polish family name (Kowalski -> Kowalska); other
/// names as they are.
pub fn feminine(family: &str) -> String {
    for (m, f) in [("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")] {
        if let Some(stem) = family.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    family.to_owned()
}

/// The masculine form of a feminine Polish family name (Kowalska ->
/// Kowalski), as a clerk who does not know the rule writes it.
pub fn masculine(family: &str) -> Option<String> {
    for (f, m) in [("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")] {
        if let Some(stem) = family.strip_suffix(f) {
            return Some(format!("{stem}{m}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name() {
        assert!(given("mohammed").any(|v| v == "muhammad"));
        assert!(given("muhammad").all(|v| v != "muhammad"));
        assert!(same_given("catherine", "kathryn"));
        assert!(!same_given("mohammed", "imran"));
        assert_eq!(given("olivia").count(), 0);
        assert!(family("hussain").any(|v| v == "hussein"));
        assert_eq!(feminine("kowalski"), "kowalska");
        assert_eq!(feminine("nowak"), "nowak");
        assert_eq!(masculine("zielinska").as_deref(), Some("zielinski"));
        assert_eq!(masculine("smith"), None);
    }
}
