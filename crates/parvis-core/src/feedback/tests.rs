use super::*;

fn q(id: &str, kind: FeedbackKind) -> FeedbackQuestion {
    FeedbackQuestion {
        id: id.to_owned(),
        label: format!("Question {id}"),
        help: None,
        required: false,
        kind,
        condition: None,
    }
}

fn required(mut question: FeedbackQuestion) -> FeedbackQuestion {
    question.required = true;
    question
}

fn when(mut question: FeedbackQuestion, id: &str, equals: ConditionValue) -> FeedbackQuestion {
    question.condition = Some(Condition {
        question: id.to_owned(),
        equals,
    });
    question
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|&s| s.to_owned()).collect()
}

fn scale() -> FeedbackKind {
    FeedbackKind::Scale {
        min_label: "Pas du tout".into(),
        max_label: "Tout à fait".into(),
    }
}

fn single(items: &[&str], other: bool) -> FeedbackKind {
    FeedbackKind::Single {
        options: strings(items),
        other,
    }
}

fn multiple(items: &[&str], other: bool) -> FeedbackKind {
    FeedbackKind::Multiple {
        options: strings(items),
        other,
    }
}

fn matrix(rows: &[&str]) -> FeedbackKind {
    FeedbackKind::Matrix {
        rows: strings(rows),
        min_label: "Décevant".into(),
        max_label: "Excellent".into(),
    }
}

fn form(questions: Vec<FeedbackQuestion>) -> Questionnaire {
    Questionnaire {
        kind: QuestionnaireKind::Hot,
        title: "Votre avis".into(),
        intro: String::new(),
        anonymous: false,
        opens: None,
        closes: None,
        cold_delay_days: COLD_DELAY_DEFAULT,
        automatic: false,
        send_delay_hours: 2,
        reminder_delay_days: 7,
        questions,
    }
}

fn answers(pairs: &[(&str, FeedbackAnswer)]) -> BTreeMap<String, FeedbackAnswer> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn at(text: &str) -> DateTime<FixedOffset> {
    crate::timestamp::parse(text).unwrap()
}

use FeedbackAnswer as A;

// ---------------------------------------------------------------------------
// Wire.

#[test]
fn every_kind_reads_back_what_is_written() {
    for kind in [
        scale(),
        FeedbackKind::Recommend,
        single(&["A", "B"], false),
        single(&["A", "B"], true),
        multiple(&["A", "B"], true),
        multiple(&["A"], false),
        FeedbackKind::YesNo,
        FeedbackKind::ShortText,
        FeedbackKind::LongText,
        FeedbackKind::Number {
            min: Some(-3),
            max: None,
        },
        FeedbackKind::Number {
            min: None,
            max: None,
        },
        matrix(&["Jour 1", "Jour 2"]),
    ] {
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(
            serde_json::from_str::<FeedbackKind>(&json).unwrap(),
            kind,
            "{json}"
        );
    }
    // Compact: defaults are not written.
    assert_eq!(
        serde_json::to_string(&single(&["A", "B"], false)).unwrap(),
        r#"{"type":"single","options":["A","B"]}"#
    );
    assert_eq!(
        serde_json::to_string(&FeedbackKind::Number {
            min: None,
            max: Some(9)
        })
        .unwrap(),
        r#"{"type":"number","max":9}"#
    );
    assert_eq!(
        serde_json::to_string(&FeedbackKind::YesNo).unwrap(),
        r#"{"type":"yes_no"}"#
    );
    for (json, missing) in [
        (r#"{"type":"single"}"#, "options"),
        (r#"{"type":"scale","min_label":"a"}"#, "max_label"),
        (
            r#"{"type":"matrix","min_label":"a","max_label":"b"}"#,
            "rows",
        ),
    ] {
        let error = serde_json::from_str::<FeedbackKind>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains(missing), "{json}: {error}");
    }
    let error = serde_json::from_str::<FeedbackKind>(r#"{"type":"poème"}"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("type de question inconnu"), "{error}");
}

#[test]
fn a_questionnaire_reads_back_and_has_its_defaults() {
    let mut questionnaire = form(vec![
        required(q("satisfaction", scale())),
        q("suite", FeedbackKind::YesNo),
        when(
            q("sujets", FeedbackKind::LongText),
            "suite",
            ConditionValue::Bool(true),
        ),
        when(
            q("forme", single(&["Atelier", "Webinaire"], true)),
            "suite",
            ConditionValue::Bool(true),
        ),
        when(
            q("detail", FeedbackKind::ShortText),
            "forme",
            ConditionValue::Option("Atelier".into()),
        ),
    ]);
    questionnaire.questions[0].help = Some("Aide".into());
    questionnaire.opens = Some(at("2026-12-03T09:30:00+01:00"));
    questionnaire.closes = Some(at("2026-12-20T23:59:00+01:00"));
    questionnaire.anonymous = true;
    let json = serde_json::to_string(&questionnaire).unwrap();
    assert_eq!(
        serde_json::from_str::<Questionnaire>(&json).unwrap(),
        questionnaire
    );
    assert!(
        json.contains(r#""condition":{"question":"suite","equals":true}"#),
        "{json}"
    );
    assert!(json.contains(r#""equals":"Atelier""#), "{json}");

    let minimal: Questionnaire = serde_json::from_str(
        r#"{"kind":"cold","title":"T","questions":[{"label":"L","kind":{"type":"recommend"}}]}"#,
    )
    .unwrap();
    assert_eq!(minimal.kind, QuestionnaireKind::Cold);
    assert_eq!(minimal.cold_delay_days, 60);
    assert_eq!(
        (
            minimal.automatic,
            minimal.send_delay_hours,
            minimal.reminder_delay_days
        ),
        (false, 2, 7)
    );
    assert!(!minimal.anonymous);
    assert_eq!((minimal.opens, minimal.closes), (None, None));
    assert_eq!(minimal.questions[0].id, "");
    assert!(!minimal.questions[0].required);
    // Compact: what is empty or absent is not written.
    assert_eq!(
        serde_json::to_string(&minimal).unwrap(),
        r#"{"kind":"cold","title":"T","anonymous":false,"cold_delay_days":60,"automatic":false,"send_delay_hours":2,"reminder_delay_days":7,"questions":[{"id":"","label":"L","kind":{"type":"recommend"}}]}"#
    );
    assert!(
        serde_json::from_str::<Questionnaire>(r#"{"kind":"tiède","title":"T","questions":[]}"#)
            .is_err()
    );
    assert!(
        serde_json::from_str::<Questionnaire>(
            r#"{"kind":"hot","title":"T","closes":"20/12/2026","questions":[]}"#
        )
        .is_err()
    );
    assert!(serde_json::from_str::<ConditionValue>("3").is_err());
}

#[test]
fn every_answer_reads_back_what_is_written() {
    for answer in [
        A::Bool(true),
        A::Number(0),
        A::Number(-12),
        A::Number(i64::MAX),
        A::Text("Atelier".into()),
        A::Many(strings(&["A", "B"])),
        A::Many(Vec::new()),
        A::Choice {
            choices: strings(&["A"]),
            other: "Un forum".into(),
        },
        A::Choice {
            choices: Vec::new(),
            other: "Un forum".into(),
        },
        A::Matrix(
            [("Jour 1".to_owned(), 4), ("Jour 2".to_owned(), 5)]
                .into_iter()
                .collect(),
        ),
        // A row called « other » is still a row.
        A::Matrix([("other".to_owned(), 3)].into_iter().collect()),
    ] {
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(
            serde_json::from_str::<FeedbackAnswer>(&json).unwrap(),
            answer,
            "{json}"
        );
    }
    assert_eq!(
        serde_json::to_string(&A::Choice {
            choices: Vec::new(),
            other: "x".into()
        })
        .unwrap(),
        r#"{"choices":[],"other":"x"}"#
    );
    assert_eq!(
        serde_json::from_str::<FeedbackAnswer>(r#"{"other":"x"}"#).unwrap(),
        A::Choice {
            choices: Vec::new(),
            other: "x".into()
        }
    );
    for bad in [
        "4.5",
        "null",
        "[1]",
        r#"{"Jour 1": 4, "other": "x"}"#,
        r#"{"choices": "A"}"#,
        r#"{"Jour 1": "quatre"}"#,
        r#"{"Jour 1": 4.5}"#,
        "18446744073709551615",
    ] {
        assert!(
            serde_json::from_str::<FeedbackAnswer>(bad).is_err(),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------------------
// The questionnaire's rules.

fn errors_of(questionnaire: &Questionnaire) -> FieldErrors {
    check_questionnaire(questionnaire).unwrap_err()
}

#[test]
fn a_good_questionnaire_is_normalised() {
    let mut questionnaire = form(vec![
        FeedbackQuestion {
            id: String::new(),
            label: "  Qualité   des échanges ?".into(),
            help: Some("  Une ligne\nune autre  ".into()),
            required: true,
            kind: scale(),
            condition: None,
        },
        FeedbackQuestion {
            id: " suite ".into(),
            label: "Suite ?".into(),
            help: Some("   ".into()),
            required: false,
            kind: single(&[" Oui  merci ", "", "Non"], true),
            condition: None,
        },
        when(
            q("pourquoi", FeedbackKind::LongText),
            " suite ",
            ConditionValue::Option(" Oui merci".into()),
        ),
    ]);
    questionnaire.title = "  Votre   avis ".into();
    questionnaire.intro = "\n Bonjour,\n\nmerci.  ".into();
    let prepared = prepare(&questionnaire).unwrap();
    assert_eq!(prepared.title, "Votre avis");
    assert_eq!(prepared.intro, "Bonjour,\n\nmerci.");
    let first = &prepared.questions[0];
    assert_eq!(first.id, "qualite-des-echanges");
    assert_eq!(first.label, "Qualité des échanges ?");
    assert_eq!(first.help.as_deref(), Some("Une ligne\nune autre"));
    assert_eq!(prepared.questions[1].id, "suite");
    assert_eq!(prepared.questions[1].help, None);
    assert_eq!(
        prepared.questions[1].kind,
        single(&["Oui merci", "Non"], true)
    );
    assert_eq!(
        prepared.questions[2].condition,
        Some(Condition {
            question: "suite".into(),
            equals: ConditionValue::Option("Oui merci".into())
        })
    );
    // What is prepared passes again, unchanged.
    assert_eq!(prepare(&prepared).unwrap(), prepared);
}

#[test]
fn every_rule_of_the_questionnaire_has_its_french_message() {
    let long = "x".repeat(LABEL_MAX + 1);
    let mut questionnaire = form(vec![
        // 0: blank label.
        q("a", FeedbackKind::YesNo),
        // 1: one option only.
        q("b", single(&["Seule", " "], false)),
        // 2: two identical options.
        q("c", multiple(&["Même", "Même"], true)),
        // 3: matrix without rows, blank end labels.
        q(
            "d",
            FeedbackKind::Matrix {
                rows: strings(&["", " "]),
                min_label: " ".into(),
                max_label: String::new(),
            },
        ),
        // 4: number bounds the wrong way.
        q(
            "e",
            FeedbackKind::Number {
                min: Some(10),
                max: Some(1),
            },
        ),
        // 5: an id that is not a slug.
        q("Pas un id", FeedbackKind::ShortText),
        // 6: the same id again.
        q("b", FeedbackKind::ShortText),
        // 7: too long a label and help.
        q("g", FeedbackKind::LongText),
        // 8: matrix with twice the same row.
        q("h", matrix(&["Jour 1", "Jour 1"])),
    ]);
    questionnaire.title = " ".into();
    questionnaire.intro = "y".repeat(INTRO_MAX + 1);
    questionnaire.cold_delay_days = 0;
    questionnaire.opens = Some(at("2026-12-20T00:00:00+01:00"));
    questionnaire.closes = Some(at("2026-12-19T00:00:00+01:00"));
    questionnaire.questions[0].label = "  ".into();
    questionnaire.questions[7].label = long;
    questionnaire.questions[7].help = Some("z".repeat(HELP_MAX + 1));
    let errors = errors_of(&questionnaire);
    let expect = [
        ("title", "Ce champ est obligatoire."),
        ("intro", "Ce champ ne peut pas dépasser 2000 caractères."),
        (
            "cold_delay_days",
            "Le délai doit être compris entre 1 et 365 jours.",
        ),
        ("closes", "La clôture doit être postérieure à l'ouverture."),
        ("questions.0.label", "Ce champ est obligatoire."),
        (
            "questions.1.options",
            "Proposez au moins deux réponses, une par ligne.",
        ),
        (
            "questions.2.options",
            "Deux réponses proposées sont identiques.",
        ),
        ("questions.3.rows", "Ajoutez au moins une ligne à noter."),
        ("questions.3.min_label", "Ce champ est obligatoire."),
        ("questions.3.max_label", "Ce champ est obligatoire."),
        (
            "questions.4.max",
            "Le maximum doit être au moins égal au minimum.",
        ),
        (
            "questions.5.id",
            "L'identifiant ne peut contenir que des minuscules sans accent, des chiffres \
             et des tirets (80 caractères au plus).",
        ),
        (
            "questions.6.id",
            "Deux questions ne peuvent pas porter le même identifiant.",
        ),
        (
            "questions.7.label",
            "Ce champ ne peut pas dépasser 300 caractères.",
        ),
        (
            "questions.7.help",
            "Ce champ ne peut pas dépasser 2000 caractères.",
        ),
        ("questions.8.rows", "Deux lignes sont identiques."),
    ];
    for (key, message) in expect {
        assert_eq!(errors.get(key), [message], "{key}: {errors:?}");
    }
    assert_eq!(errors.0.len(), expect.len(), "{errors:?}");
}

#[test]
fn ids_made_from_labels_must_be_distinct_and_possible() {
    let mut questionnaire = form(vec![
        q("", FeedbackKind::YesNo),
        q("", FeedbackKind::YesNo),
        q("", FeedbackKind::YesNo),
    ]);
    questionnaire.questions[0].label = "Êtes-vous venu ?".into();
    questionnaire.questions[1].label = "Etes vous venu".into();
    questionnaire.questions[2].label = "?!".into();
    let errors = errors_of(&questionnaire);
    assert_eq!(
        errors.get("questions.1.label"),
        ["Deux questions ne peuvent pas porter le même intitulé."]
    );
    assert_eq!(
        errors.get("questions.2.label"),
        ["L'intitulé doit contenir au moins une lettre ou un chiffre."]
    );
    assert!(errors.get("questions.0.label").is_empty());
    // An id too long is refused, one made from a long label is cut.
    let mut questionnaire = form(vec![q(&"a".repeat(ID_MAX + 1), FeedbackKind::YesNo)]);
    assert!(!errors_of(&questionnaire).get("questions.0.id").is_empty());
    questionnaire.questions[0].id = String::new();
    questionnaire.questions[0].label = "mot ".repeat(60);
    let prepared = prepare(&questionnaire).unwrap();
    assert!(prepared.questions[0].id.len() <= ID_MAX);
}

#[test]
fn sizes_are_bounded() {
    let questionnaire = form(Vec::new());
    assert_eq!(
        errors_of(&questionnaire).get("questions"),
        ["Ajoutez au moins une question."]
    );
    let questionnaire = form(
        (0..=QUESTIONS_MAX)
            .map(|i| q(&format!("q{i}"), FeedbackKind::YesNo))
            .collect(),
    );
    assert_eq!(
        errors_of(&questionnaire).get("questions"),
        ["Pas plus de 60 questions."]
    );
    let too_many: Vec<String> = (0..=ITEMS_MAX).map(|i| format!("Option {i}")).collect();
    let just_enough = &too_many[..ITEMS_MAX];
    let questionnaire = form(vec![
        q(
            "a",
            FeedbackKind::Single {
                options: too_many.clone(),
                other: false,
            },
        ),
        q(
            "b",
            FeedbackKind::Matrix {
                rows: too_many.clone(),
                min_label: "1".into(),
                max_label: "5".into(),
            },
        ),
        q(
            "c",
            FeedbackKind::Multiple {
                options: just_enough.to_vec(),
                other: false,
            },
        ),
    ]);
    let errors = errors_of(&questionnaire);
    assert_eq!(
        errors.get("questions.0.options"),
        ["Pas plus de 50 réponses proposées."]
    );
    assert_eq!(errors.get("questions.1.rows"), ["Pas plus de 50 lignes."]);
    assert!(errors.get("questions.2.options").is_empty());
    let mut questionnaire = form(vec![q(
        "a",
        FeedbackKind::Scale {
            min_label: "m".repeat(END_LABEL_MAX + 1),
            max_label: "Bien".into(),
        },
    )]);
    assert_eq!(
        errors_of(&questionnaire).get("questions.0.min_label"),
        ["Ce champ ne peut pas dépasser 100 caractères."]
    );
    questionnaire.questions[0].kind = single(&["A", &"o".repeat(LABEL_MAX + 1)], false);
    assert_eq!(
        errors_of(&questionnaire).get("questions.0.options"),
        ["Ce champ ne peut pas dépasser 300 caractères."]
    );
    questionnaire.questions[0].kind = FeedbackKind::YesNo;
    questionnaire.cold_delay_days = COLD_DELAY_MAX + 1;
    assert!(!errors_of(&questionnaire).get("cold_delay_days").is_empty());
    questionnaire.cold_delay_days = COLD_DELAY_MAX;
    check_questionnaire(&questionnaire).unwrap();
}

#[test]
fn conditions_name_an_earlier_choice_and_one_of_its_values() {
    let questionnaire = form(vec![
        // 0: refers to itself.
        when(q("a", FeedbackKind::YesNo), "a", ConditionValue::Bool(true)),
        // 1: refers to a later question.
        when(
            q("b", FeedbackKind::ShortText),
            "c",
            ConditionValue::Bool(true),
        ),
        q("c", FeedbackKind::YesNo),
        // 3: refers to no question.
        when(
            q("d", FeedbackKind::ShortText),
            "fantome",
            ConditionValue::Bool(true),
        ),
        // 4: yes/no asked for an option.
        when(
            q("e", FeedbackKind::ShortText),
            "c",
            ConditionValue::Option("Oui".into()),
        ),
        q("f", single(&["Atelier", "Plénière"], true)),
        // 6: an option the choice does not have.
        when(
            q("g", FeedbackKind::ShortText),
            "f",
            ConditionValue::Option("Autre".into()),
        ),
        // 7: a boolean for a choice.
        when(
            q("h", FeedbackKind::ShortText),
            "f",
            ConditionValue::Bool(true),
        ),
        // 8: a condition on a scale.
        q("i", scale()),
        when(
            q("j", FeedbackKind::ShortText),
            "i",
            ConditionValue::Option("5".into()),
        ),
        // 10, 11: good ones, on a choice and on a yes/no.
        when(
            q("k", FeedbackKind::LongText),
            "f",
            ConditionValue::Option("Atelier".into()),
        ),
        when(
            q("l", multiple(&["x", "y"], false)),
            "c",
            ConditionValue::Bool(false),
        ),
        // 12: chained on a conditional question.
        when(
            q("m", FeedbackKind::ShortText),
            "l",
            ConditionValue::Option("y".into()),
        ),
    ]);
    let errors = errors_of(&questionnaire);
    let later = "Une condition ne peut porter que sur une question placée avant celle-ci.";
    let expect = [
        ("questions.0.condition", later.to_owned()),
        ("questions.1.condition", later.to_owned()),
        (
            "questions.3.condition",
            "La condition porte sur une question qui n'existe pas.".to_owned(),
        ),
        (
            "questions.4.condition",
            "La condition sur « Question c » doit valoir « Oui » ou « Non ».".to_owned(),
        ),
        (
            "questions.6.condition",
            "La condition doit reprendre l'une des réponses proposées à « Question f ».".to_owned(),
        ),
        (
            "questions.7.condition",
            "La condition doit reprendre l'une des réponses proposées à « Question f ».".to_owned(),
        ),
        (
            "questions.9.condition",
            "Une condition ne peut porter que sur une question à choix ou oui/non, \
             ce que « Question i » n'est pas."
                .to_owned(),
        ),
    ];
    for (key, message) in &expect {
        assert_eq!(errors.get(key), [message.as_str()], "{key}: {errors:?}");
    }
    assert_eq!(errors.0.len(), expect.len(), "{errors:?}");
}

#[test]
fn a_condition_may_name_a_question_by_the_id_made_from_its_label() {
    let mut first = q("", FeedbackKind::YesNo);
    first.label = "Êtes-vous satisfait ?".into();
    let questionnaire = form(vec![
        first,
        when(
            q("pourquoi", FeedbackKind::LongText),
            "etes-vous-satisfait",
            ConditionValue::Bool(false),
        ),
    ]);
    check_questionnaire(&questionnaire).unwrap();
}

#[test]
fn the_window_and_the_cold_delay() {
    let mut questionnaire = form(vec![q("a", FeedbackKind::YesNo)]);
    let now = at("2026-12-10T12:00:00+01:00");
    assert!(questionnaire.accepts_answers(now));
    questionnaire.opens = Some(at("2026-12-10T12:00:00+01:00"));
    questionnaire.closes = Some(at("2026-12-10T12:00:01+01:00"));
    assert!(questionnaire.accepts_answers(now));
    assert!(!questionnaire.accepts_answers(at("2026-12-10T12:00:01+01:00")));
    assert!(!questionnaire.accepts_answers(at("2026-12-10T11:59:59+01:00")));
    // The same instant in another offset.
    assert!(questionnaire.accepts_answers(at("2026-12-10T11:00:00Z")));
    let end = at("2026-12-10T17:00:00+01:00");
    assert_eq!(
        questionnaire.cold_send_at(end),
        at("2027-02-08T17:00:00+01:00")
    );
    questionnaire.cold_delay_days = 30;
    assert_eq!(
        questionnaire.cold_send_at(end),
        at("2027-01-09T17:00:00+01:00")
    );
    assert!(anonymity_notice(&questionnaire).contains("n'est pas anonyme"));
    questionnaire.anonymous = true;
    assert!(anonymity_notice(&questionnaire).starts_with("Ce questionnaire est anonyme"));
    assert_eq!(QuestionnaireKind::Cold.label(), "Questionnaire à froid");
    assert_eq!(FeedbackKind::Recommend.label(), "Recommandation de 0 à 10");
}

// ---------------------------------------------------------------------------
// Answers.

fn everything() -> Questionnaire {
    form(vec![
        required(q("echelle", scale())),
        required(q("reco", FeedbackKind::Recommend)),
        required(q("unique", single(&["Atelier", "Plénière"], true))),
        required(q("plusieurs", multiple(&["x", "y", "z"], true))),
        required(q("oui", FeedbackKind::YesNo)),
        required(q("court", FeedbackKind::ShortText)),
        required(q("long", FeedbackKind::LongText)),
        required(q(
            "nombre",
            FeedbackKind::Number {
                min: Some(1),
                max: Some(10),
            },
        )),
        required(q("jours", matrix(&["Jour 1", "Jour 2"]))),
        q("ferme", single(&["A", "B"], false)),
    ])
}

fn good() -> BTreeMap<String, FeedbackAnswer> {
    answers(&[
        ("echelle", A::Number(4)),
        ("reco", A::Number(10)),
        ("unique", A::Text("Atelier".into())),
        ("plusieurs", A::Many(strings(&["z", "x", "z"]))),
        ("oui", A::Bool(false)),
        ("court", A::Text("  Mairie   d'Évry ".into())),
        ("long", A::Text("\n Ligne 1\nLigne 2 \n".into())),
        ("nombre", A::Text(" 7 ".into())),
        (
            "jours",
            A::Matrix(
                [("Jour 1".to_owned(), 5), ("Jour 2".to_owned(), 1)]
                    .into_iter()
                    .collect(),
            ),
        ),
        ("ferme", A::Text(" ".into())),
    ])
}

#[test]
fn every_kind_accepts_a_good_answer_normalised() {
    let checked = check_answers(&everything(), &good(), false).unwrap();
    assert_eq!(checked["echelle"], A::Number(4));
    assert_eq!(checked["reco"], A::Number(10));
    assert_eq!(checked["unique"], A::Text("Atelier".into()));
    assert_eq!(checked["plusieurs"], A::Many(strings(&["x", "z"])));
    assert_eq!(checked["oui"], A::Bool(false));
    assert_eq!(checked["court"], A::Text("Mairie d'Évry".into()));
    assert_eq!(checked["long"], A::Text("Ligne 1\nLigne 2".into()));
    assert_eq!(checked["nombre"], A::Number(7));
    assert_eq!(checked["jours"], good()["jours"]);
    assert!(!checked.contains_key("ferme"), "blank answers are dropped");
    // What was checked passes again, unchanged.
    assert_eq!(
        check_answers(&everything(), &checked, false).unwrap(),
        checked
    );
}

#[test]
fn the_other_field_of_a_choice() {
    let questionnaire = everything();
    let mut given = good();
    given.insert(
        "unique".into(),
        A::Choice {
            choices: Vec::new(),
            other: "  Un   forum ".into(),
        },
    );
    given.insert(
        "plusieurs".into(),
        A::Choice {
            choices: strings(&["y"]),
            other: "Un café".into(),
        },
    );
    let checked = check_answers(&questionnaire, &given, false).unwrap();
    assert_eq!(
        checked["unique"],
        A::Choice {
            choices: Vec::new(),
            other: "Un forum".into()
        }
    );
    assert_eq!(
        checked["plusieurs"],
        A::Choice {
            choices: strings(&["y"]),
            other: "Un café".into()
        }
    );
    // A blank « Autre » field leaves a plain answer.
    given.insert(
        "unique".into(),
        A::Choice {
            choices: strings(&["Plénière"]),
            other: " ".into(),
        },
    );
    given.insert(
        "plusieurs".into(),
        A::Choice {
            choices: strings(&["y"]),
            other: String::new(),
        },
    );
    let checked = check_answers(&questionnaire, &given, false).unwrap();
    assert_eq!(checked["unique"], A::Text("Plénière".into()));
    assert_eq!(checked["plusieurs"], A::Many(strings(&["y"])));
}

#[test]
fn every_wrong_answer_has_its_french_message_naming_the_question() {
    let questionnaire = everything();
    let cases: Vec<(&str, FeedbackAnswer, String)> = vec![
        (
            "echelle",
            A::Number(0),
            "doit être une note de 1 à 5.".into(),
        ),
        (
            "echelle",
            A::Number(6),
            "doit être une note de 1 à 5.".into(),
        ),
        (
            "reco",
            A::Number(11),
            "doit être une note de 0 à 10.".into(),
        ),
        (
            "reco",
            A::Number(-1),
            "doit être une note de 0 à 10.".into(),
        ),
        (
            "unique",
            A::Text("Autre".into()),
            "doit être l'une des réponses proposées.".into(),
        ),
        (
            "unique",
            A::Choice {
                choices: strings(&["Atelier", "Plénière"]),
                other: String::new(),
            },
            "ne peut être qu'une seule réponse.".into(),
        ),
        (
            "unique",
            A::Choice {
                choices: strings(&["Atelier"]),
                other: "Un forum".into(),
            },
            "ne peut être qu'une seule réponse : une réponse proposée ou « Autre ».".into(),
        ),
        (
            "unique",
            A::Choice {
                choices: Vec::new(),
                other: "o".repeat(SHORT_ANSWER_MAX + 1),
            },
            "ne peut pas dépasser 200 caractères après « Autre ».".into(),
        ),
        (
            "unique",
            A::Choice {
                choices: Vec::new(),
                other: "bip\u{7}".into(),
            },
            "contient des caractères non autorisés après « Autre ».".into(),
        ),
        (
            "ferme",
            A::Choice {
                choices: Vec::new(),
                other: "C".into(),
            },
            "ne peut pas être « Autre » : choisissez parmi les réponses proposées.".into(),
        ),
        (
            "plusieurs",
            A::Many(strings(&["x", "w"])),
            "doit être choisie parmi les réponses proposées.".into(),
        ),
        (
            "court",
            A::Text("c".repeat(SHORT_ANSWER_MAX + 1)),
            "ne peut pas dépasser 200 caractères.".into(),
        ),
        (
            "court",
            A::Text("a\u{0}b".into()),
            "contient des caractères non autorisés.".into(),
        ),
        (
            "long",
            A::Text("l".repeat(LONG_ANSWER_MAX + 1)),
            "ne peut pas dépasser 4000 caractères.".into(),
        ),
        (
            "long",
            A::Text("a\u{1b}b".into()),
            "contient des caractères non autorisés.".into(),
        ),
        ("nombre", A::Number(0), "doit être au moins 1.".into()),
        (
            "nombre",
            A::Text("11".into()),
            "doit être au plus 10.".into(),
        ),
        (
            "nombre",
            A::Text("sept".into()),
            "doit être un nombre entier.".into(),
        ),
        (
            "jours",
            A::Matrix([("Jour 3".to_owned(), 4)].into_iter().collect()),
            "n'a pas de ligne « Jour 3 ».".into(),
        ),
        (
            "jours",
            A::Matrix(
                [("Jour 1".to_owned(), 4), ("Jour 2".to_owned(), 0)]
                    .into_iter()
                    .collect(),
            ),
            "doit noter « Jour 2 » de 1 à 5.".into(),
        ),
        (
            "jours",
            A::Matrix([("Jour 1".to_owned(), 4)].into_iter().collect()),
            "doit noter chaque ligne, dont « Jour 2 ».".into(),
        ),
        (
            "oui",
            A::Text("peut-être".into()),
            "n'est pas du type attendu.".into(),
        ),
        (
            "echelle",
            A::Text("4".into()),
            "n'est pas du type attendu.".into(),
        ),
        ("reco", A::Bool(true), "n'est pas du type attendu.".into()),
        (
            "jours",
            A::Many(strings(&["Jour 1"])),
            "n'est pas du type attendu.".into(),
        ),
        ("court", A::Number(3), "n'est pas du type attendu.".into()),
    ];
    for (id, answer, message) in cases {
        let mut given = good();
        given.insert(id.to_owned(), answer.clone());
        let errors = check_answers(&questionnaire, &given, false).unwrap_err();
        let label = &questionnaire.question(id).unwrap().label;
        assert_eq!(
            errors.get(&format!("answers.{id}")),
            [format!("La réponse à « {label} » {message}")],
            "{id}: {answer:?}"
        );
        assert_eq!(errors.0.len(), 1, "{errors:?}");
    }
}

#[test]
fn unknown_questions_are_refused() {
    let mut given = good();
    given.insert("fantome".into(), A::Bool(true));
    let errors = check_answers(&everything(), &given, true).unwrap_err();
    assert_eq!(
        errors.get("answers.fantome"),
        ["Cette réponse ne correspond à aucune question du questionnaire."]
    );
    assert_eq!(errors.0.len(), 1);
}

#[test]
fn required_questions_wait_for_the_submission() {
    let questionnaire = everything();
    let some = answers(&[("echelle", A::Number(3)), ("court", A::Text(" ".into()))]);
    let saved = check_answers(&questionnaire, &some, true).unwrap();
    assert_eq!(saved, answers(&[("echelle", A::Number(3))]));
    // A matrix may be rated day by day.
    let day_one = answers(&[(
        "jours",
        A::Matrix([("Jour 1".to_owned(), 4)].into_iter().collect()),
    )]);
    assert_eq!(
        check_answers(&questionnaire, &day_one, true).unwrap(),
        day_one
    );
    // Wrong answers are refused even while saving.
    let wrong = answers(&[("echelle", A::Number(9))]);
    assert!(check_answers(&questionnaire, &wrong, true).is_err());
    // On submission, every required question is named.
    let errors = check_answers(&questionnaire, &some, false).unwrap_err();
    for id in [
        "reco",
        "unique",
        "plusieurs",
        "oui",
        "court",
        "long",
        "nombre",
        "jours",
    ] {
        assert_eq!(
            errors.get(&format!("answers.{id}")),
            [format!(
                "La question « Question {id} » demande une réponse."
            )],
            "{id}"
        );
    }
    assert!(errors.get("answers.echelle").is_empty());
    assert!(errors.get("answers.ferme").is_empty(), "optional");
    assert_eq!(errors.0.len(), 8);
    // Empty lists, blank « Autre » and empty matrices are blank.
    let blank = answers(&[
        ("plusieurs", A::Many(Vec::new())),
        (
            "unique",
            A::Choice {
                choices: Vec::new(),
                other: "  ".into(),
            },
        ),
        ("jours", A::Matrix(BTreeMap::new())),
    ]);
    let errors = check_answers(&questionnaire, &blank, false).unwrap_err();
    for id in ["plusieurs", "unique", "jours"] {
        assert!(errors.get(&format!("answers.{id}"))[0].contains("demande une réponse"));
    }
    assert_eq!(
        check_answers(&questionnaire, &blank, true).unwrap(),
        BTreeMap::new()
    );
    // An optional matrix may leave rows blank on submission.
    let mut optional = questionnaire.clone();
    optional.questions[8].required = false;
    let mut given = good();
    given.insert(
        "jours".into(),
        A::Matrix([("Jour 2".to_owned(), 3)].into_iter().collect()),
    );
    assert!(check_answers(&optional, &given, false).is_ok());
}

fn branching() -> Questionnaire {
    form(vec![
        required(q("venu", FeedbackKind::YesNo)),
        when(
            required(q("format", single(&["Atelier", "Plénière"], true))),
            "venu",
            ConditionValue::Bool(true),
        ),
        when(
            required(q("atelier", FeedbackKind::LongText)),
            "format",
            ConditionValue::Option("Atelier".into()),
        ),
        q("themes", multiple(&["Emploi", "Santé", "Logement"], false)),
        when(
            required(q("sante", FeedbackKind::ShortText)),
            "themes",
            ConditionValue::Option("Santé".into()),
        ),
        when(
            q("absence", FeedbackKind::LongText),
            "venu",
            ConditionValue::Bool(false),
        ),
    ])
}

fn ids(questions: &[&FeedbackQuestion]) -> Vec<String> {
    questions.iter().map(|q| q.id.clone()).collect()
}

#[test]
fn conditions_show_questions_and_hidden_ones_chain() {
    let questionnaire = branching();
    check_questionnaire(&questionnaire).unwrap();
    let shown = |pairs: &[(&str, FeedbackAnswer)]| ids(&visible(&questionnaire, &answers(pairs)));
    assert_eq!(shown(&[]), ["venu", "themes"]);
    assert_eq!(
        shown(&[("venu", A::Bool(true))]),
        ["venu", "format", "themes"]
    );
    assert_eq!(
        shown(&[("venu", A::Bool(false))]),
        ["venu", "themes", "absence"]
    );
    assert_eq!(
        shown(&[
            ("venu", A::Bool(true)),
            ("format", A::Text("Atelier".into()))
        ]),
        ["venu", "format", "atelier", "themes"]
    );
    // « Atelier » chosen, then « venu » changed to no: both hidden.
    assert_eq!(
        shown(&[
            ("venu", A::Bool(false)),
            ("format", A::Text("Atelier".into()))
        ]),
        ["venu", "themes", "absence"]
    );
    // A multiple choice meets the condition when the option is among those chosen.
    assert_eq!(
        shown(&[("themes", A::Many(strings(&["Emploi", "Santé"])))]),
        ["venu", "themes", "sante"]
    );
    assert_eq!(
        shown(&[(
            "themes",
            A::Choice {
                choices: strings(&["Santé"]),
                other: "x".into()
            }
        )]),
        ["venu", "themes", "sante"]
    );
    assert_eq!(
        shown(&[("themes", A::Many(strings(&["Emploi"])))]),
        ["venu", "themes"]
    );
    // « Autre » is not an option a condition can meet.
    assert_eq!(
        shown(&[
            ("venu", A::Bool(true)),
            (
                "format",
                A::Choice {
                    choices: Vec::new(),
                    other: "Atelier".into()
                }
            )
        ]),
        ["venu", "format", "themes"]
    );
}

#[test]
fn hidden_questions_lose_their_answers_and_are_not_required() {
    let questionnaire = branching();
    // Someone who did not come: what they typed about the workshop goes.
    let given = answers(&[
        ("venu", A::Bool(false)),
        ("format", A::Text("Atelier".into())),
        ("atelier", A::Text("Très bien".into())),
        ("sante", A::Text("Oui".into())),
        ("absence", A::Text("Malade".into())),
    ]);
    let checked = check_answers(&questionnaire, &given, false).unwrap();
    assert_eq!(
        checked,
        answers(&[
            ("venu", A::Bool(false)),
            ("absence", A::Text("Malade".into()))
        ])
    );
    // Hidden answers are dropped even when they would be wrong.
    let given = answers(&[("venu", A::Bool(false)), ("format", A::Number(3))]);
    assert_eq!(
        check_answers(&questionnaire, &given, false).unwrap(),
        answers(&[("venu", A::Bool(false))])
    );
    // Shown required questions are required.
    let given = answers(&[
        ("venu", A::Bool(true)),
        ("format", A::Text("Atelier".into())),
        ("themes", A::Many(strings(&["Santé"]))),
    ]);
    let errors = check_answers(&questionnaire, &given, false).unwrap_err();
    assert_eq!(
        errors.get("answers.atelier"),
        ["La question « Question atelier » demande une réponse."]
    );
    assert_eq!(
        errors.get("answers.sante"),
        ["La question « Question sante » demande une réponse."]
    );
    assert_eq!(errors.0.len(), 2);
    assert!(check_answers(&questionnaire, &given, true).is_ok());
    // Nothing answered: only the first question is required.
    let errors = check_answers(&questionnaire, &BTreeMap::new(), false).unwrap_err();
    assert_eq!(errors.0.keys().collect::<Vec<_>>(), ["answers.venu"]);
}
