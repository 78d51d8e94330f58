//! English nouns in the singular, for the tokenizer: a table of irregular plurals, the rules
//! for regular ones, and the words that only look plural.
//!
//! The rules look at spelling alone, so a table settles the cases spelling cannot (`uses`
//! is `use` but `buses` is `bus`; `caches` is `cache` but `matches` is `match`). Nothing
//! here stems: `planes` becomes `plane`, never `plan`. The crates that singularise
//! (`pluralizer` 0.5, `cruet` 0.15) were tried on the same cases: both turn `caches` into
//! `cach`, `bias` into `bia` and `lenses` into `lense`, and take 4 to 10 µs a word against
//! the tokenizer's budget of well under one.

/// `word` (folded to lowercase) in the singular; unchanged when it is not a plural.
pub(crate) fn singular(word: &str) -> String {
    singular_str(word).map_or_else(|| word.to_owned(), |(stem, end)| format!("{stem}{end}"))
}

/// The singular as a part of `word` and an ending to put after it; `None` to keep `word`.
fn singular_str(word: &str) -> Option<(&str, &'static str)> {
    if let Some(one) = irregular(word) {
        return Some(("", one));
    }
    let n = word.len();
    if n <= 3 || !word.ends_with('s') || looks_plural_only(word) {
        return None;
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return None;
    }
    let strip = |k: usize| Some((&word[..n - k], ""));
    if let Some(stem) = word.strip_suffix("ies") {
        // `studies`, but `movies` and `ties`.
        let ie = n <= 4 || stem.ends_with('e') || stem.ends_with('a') || IE_NOUNS.contains(&word);
        return if ie { strip(1) } else { Some((stem, "y")) };
    }
    if word.ends_with("ves") {
        return match F_NOUNS.iter().find(|(plural, _)| word.ends_with(plural)) {
            Some((plural, one)) => Some((&word[..n - plural.len()], one)),
            None => strip(1),
        };
    }
    let Some(stem) = word.strip_suffix("es") else { return strip(1) };
    if stem.ends_with("ss") || stem.ends_with('x') || stem.ends_with("sh") {
        return strip(2);
    }
    if stem.ends_with("ch") {
        let che = CHE_NOUNS.iter().any(|one| stem.ends_with(&one[..one.len() - 1]));
        return if che || word == "aches" { strip(1) } else { strip(2) };
    }
    if stem.ends_with('z') {
        // `buzzes`, `waltzes`; but `sizes`, `bronzes`.
        return if stem.ends_with("zz") || stem.ends_with("tz") { strip(2) } else { strip(1) };
    }
    if stem.ends_with('s') {
        return ses(word, stem);
    }
    if stem.ends_with('o') && O_NOUNS.contains(&stem) {
        return strip(2);
    }
    strip(1)
}

/// A plural in `-ses`: `analyses`, `hypotheses`, `diagnoses`, `biases`, `buses`, else the
/// `-se` of `cases`, `uses` and `responses`.
fn ses<'w>(word: &'w str, stem: &'w str) -> Option<(&'w str, &'static str)> {
    let n = word.len();
    if word.ends_with("yses") || (word.ends_with("eses") && word != "cheeses") {
        return Some((&word[..n - 2], "is"));
    }
    if word == "crises" || OSIS_ENDS.iter().any(|end| word.ends_with(end)) {
        return Some((&word[..n - 2], "is"));
    }
    if S_NOUNS.contains(&stem) || word.ends_with("viruses") {
        return Some((stem, ""));
    }
    Some((&word[..n - 1], ""))
}

/// Plurals that no rule makes, and Latin and Greek ones.
fn irregular(word: &str) -> Option<&'static str> {
    Some(match word {
        "children" => "child",
        "people" => "person",
        "men" => "man",
        "women" => "woman",
        "mice" => "mouse",
        "feet" => "foot",
        "teeth" => "tooth",
        "geese" => "goose",
        "leaves" => "leaf",
        "lives" => "life",
        "elves" => "elf",
        "matrices" => "matrix",
        "vertices" => "vertex",
        "indices" => "index",
        "appendices" => "appendix",
        "simplices" => "simplex",
        "apices" => "apex",
        "cortices" => "cortex",
        "vortices" => "vortex",
        "helices" => "helix",
        "axes" => "axis",
        "quizzes" => "quiz",
        "criteria" => "criterion",
        "phenomena" => "phenomenon",
        "automata" => "automaton",
        "polyhedra" => "polyhedron",
        "stimuli" => "stimulus",
        "nuclei" => "nucleus",
        "foci" => "focus",
        "loci" => "locus",
        "radii" => "radius",
        "fungi" => "fungus",
        "corpora" => "corpus",
        "genera" => "genus",
        "formulae" => "formula",
        "bacteria" => "bacterium",
        "curricula" => "curriculum",
        "strata" => "stratum",
        "spectra" => "spectrum",
        "maxima" => "maximum",
        "minima" => "minimum",
        "optima" => "optimum",
        "quanta" => "quantum",
        "lemmata" => "lemma",
        "schemata" => "schema",
        _ => return None,
    })
}

/// Singular words that end in `s` like a plural: kept whole.
fn looks_plural_only(word: &str) -> bool {
    matches!(
        word,
        "news"
            | "series"
            | "species"
            | "lens"
            | "bias"
            | "alias"
            | "atlas"
            | "canvas"
            | "pancreas"
            | "chaos"
            | "cosmos"
            | "ethos"
            | "pathos"
            | "kudos"
            | "physics"
            | "mathematics"
            | "economics"
            | "linguistics"
            | "robotics"
            | "genomics"
            | "proteomics"
            | "electronics"
            | "optics"
            | "ethics"
            | "politics"
            | "logistics"
            | "acoustics"
            | "analytics"
    )
}

/// `-ies` plurals of nouns in `-ie`.
const IE_NOUNS: &[&str] = &[
    "movies",
    "cookies",
    "zombies",
    "calories",
    "rookies",
    "selfies",
    "hippies",
    "goalies",
    "brownies",
    "freebies",
    "prairies",
    "genies",
    "pixies",
    "smoothies",
    "hoodies",
    "newbies",
    "oldies",
    "goodies",
    "techies",
    "cuties",
    "birdies",
    "aunties",
    "lingeries",
    "rotisseries",
    "coteries",
    "reveries",
    "menageries",
    "sorties",
    "magpies",
    "collies",
    "budgies",
    "boogies",
    "bookies",
];

/// `-ves` plurals of nouns in `-f` and `-fe`, by ending.
const F_NOUNS: &[(&str, &str)] = &[
    ("selves", "self"),
    ("wives", "wife"),
    ("knives", "knife"),
    ("wolves", "wolf"),
    ("halves", "half"),
    ("shelves", "shelf"),
    ("calves", "calf"),
    ("thieves", "thief"),
    ("loaves", "loaf"),
    ("scarves", "scarf"),
    ("hooves", "hoof"),
    ("sheaves", "sheaf"),
    ("dwarves", "dwarf"),
    ("wharves", "wharf"),
];

/// Nouns in `-che`, whose `-ches` plurals keep the `e`, by ending (`microcaches`).
const CHE_NOUNS: &[&str] = &[
    "cache",
    "niche",
    "headache",
    "toothache",
    "backache",
    "stomachache",
    "earache",
    "heartache",
    "avalanche",
    "cliche",
    "quiche",
    "psyche",
    "creche",
    "moustache",
    "mustache",
    "tranche",
    "brioche",
    "pastiche",
    "fiche",
    "panache",
    "douche",
    "gouache",
];

/// Nouns in `-s` whose plurals add `es`, as the stem of the plural (`buses` → `bus`).
const S_NOUNS: &[&str] = &[
    "bias",
    "alias",
    "atlas",
    "canvas",
    "gas",
    "pancreas",
    "lens",
    "status",
    "bus",
    "minibus",
    "omnibus",
    "bonus",
    "campus",
    "census",
    "corpus",
    "focus",
    "consensus",
    "radius",
    "syllabus",
    "surplus",
    "plus",
    "minus",
    "nexus",
    "prospectus",
    "apparatus",
    "hiatus",
    "sinus",
    "fetus",
    "octopus",
    "cactus",
    "thesaurus",
    "chorus",
    "circus",
    "fungus",
    "locus",
    "abacus",
    "exodus",
    "impetus",
    "lotus",
    "onus",
    "opus",
    "walrus",
    "genius",
    "stimulus",
    "terminus",
    "uterus",
    "nucleus",
    "rhombus",
    "torus",
    "discus",
    "calculus",
    "modulus",
    "annulus",
    "stylus",
    "papyrus",
    "iris",
];

/// Endings of `-oses` plurals of nouns in `-osis` (`diagnoses`); other `-oses` are `-ose`.
const OSIS_ENDS: &[&str] = &[
    "gnoses",
    "neuroses",
    "psychoses",
    "symbioses",
    "osmoses",
    "thromboses",
    "fibroses",
    "stenoses",
    "morphoses",
    "hypnoses",
    "scolioses",
    "cirrhoses",
    "culoses",
    "apotheoses",
];

/// Nouns in `-o` whose plurals add `es`, as the stem of the plural.
const O_NOUNS: &[&str] = &[
    "hero", "potato", "tomato", "echo", "veto", "volcano", "tornado", "torpedo", "mosquito",
    "domino", "embargo",
];

#[cfg(test)]
mod tests {
    use super::singular;

    #[test]
    fn regular_plurals_lose_their_ending() {
        for (plural, one) in [
            ("transformers", "transformer"),
            ("classes", "class"),
            ("studies", "study"),
            ("caches", "cache"),
            ("microcaches", "microcache"),
            ("images", "image"),
            ("boxes", "box"),
            ("matches", "match"),
            ("approaches", "approach"),
            ("meshes", "mesh"),
            ("buzzes", "buzz"),
            ("waltzes", "waltz"),
            ("llms", "llm"),
            ("uses", "use"),
            ("causes", "cause"),
            ("responses", "response"),
            ("cases", "case"),
            ("buses", "bus"),
            ("sizes", "size"),
            ("curves", "curve"),
            ("objectives", "objective"),
            ("ties", "tie"),
            ("movies", "movie"),
            ("heroes", "hero"),
            ("shoes", "shoe"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }

    #[test]
    fn plurals_that_add_es_to_an_s_keep_it() {
        for (plural, one) in [
            ("biases", "bias"),
            ("lenses", "lens"),
            ("gases", "gas"),
            ("aliases", "alias"),
            ("statuses", "status"),
            ("viruses", "virus"),
            ("coronaviruses", "coronavirus"),
            ("corpuses", "corpus"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }

    #[test]
    fn irregular_and_greek_plurals_meet_their_singular() {
        for (plural, one) in [
            ("matrices", "matrix"),
            ("analyses", "analysis"),
            ("hypotheses", "hypothesis"),
            ("syntheses", "synthesis"),
            ("diagnoses", "diagnosis"),
            ("crises", "crisis"),
            ("children", "child"),
            ("criteria", "criterion"),
            ("indices", "index"),
            ("vertices", "vertex"),
            ("leaves", "leaf"),
            ("halves", "half"),
            ("lives", "life"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }

    #[test]
    fn words_that_only_look_plural_stay_whole() {
        for whole in [
            "news", "series", "species", "lens", "bias", "status", "analysis", "class", "gas",
            "virus", "physics", "chaos", "bus",
        ] {
            assert_eq!(singular(whole), whole);
        }
    }

    #[test]
    fn a_final_e_is_part_of_the_word() {
        for (one, other) in [("plane", "plan"), ("rate", "rat"), ("code", "cod"), ("news", "new")] {
            assert_ne!(singular(one), singular(other), "{one}");
        }
        assert_eq!(singular("planes"), "plane");
        assert_eq!(singular("codes"), "code");
    }
}
