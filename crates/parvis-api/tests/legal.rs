//! The legal pages (mentions légales, données personnelles, déclaration
//! d'accessibilité): plain French documents served by the endpoint, with or
//! without the built app, from the organisation's settings.
//!
//! They need no data, so the store is a temporary SQLite file.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use parvis_api::{AppState, Config, router, router_with_app};
use tempfile::TempDir;
use tower::ServiceExt;

const PUBLIC_URL: &str = "https://parvis.example.org";

/// Each page: its address, its `<h1>` and the start of its `<title>`.
const PAGES: [(&str, &str); 3] = [
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/accessibilite", "Déclaration d'accessibilité"),
];

/// A complete, valid organisation.
const ORGANISATION: &[(&str, &str)] = &[
    ("PARVIS_DEMO", "0"),
    (
        "PARVIS_PUBLISHER_NAME",
        "Pôle ressources Ville et développement social",
    ),
    (
        "PARVIS_PUBLISHER_ADDRESS",
        "12 rue de l'Exemple\n78000 Versailles",
    ),
    (
        "PARVIS_PUBLISHER_EMAIL",
        "contact@pole-ressources.example.org",
    ),
    ("PARVIS_PUBLISHER_PHONE", "01 99 00 12 34"),
    ("PARVIS_PUBLICATION_DIRECTOR", "Nadia Exemple, présidente"),
    ("PARVIS_DPO_EMAIL", "dpo@pole-ressources.example.org"),
    ("PARVIS_HOST_NAME", "Hébergeur Exemple SAS"),
    ("PARVIS_HOST_ADDRESS", "1 avenue des Serveurs, 59000 Lille"),
    ("PARVIS_HOST_PHONE", "01 99 00 56 78"),
    ("PARVIS_HOST_LOCATION", "France"),
    ("PARVIS_REGISTRATION_RETENTION_MONTHS", "18"),
    ("PARVIS_ACCESSIBILITY_DECLARATION_DATE", "2025-05-13"),
    (
        "PARVIS_ACCESSIBILITY_PLAN_URL",
        "https://pole-ressources.example.org/schema",
    ),
];

struct App {
    _dir: TempDir,
    router: Router,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

/// The endpoint as the server builds it from these settings, without the
/// built app (as on Lambda, or in tests before any trunk build).
async fn app(env: &[(&str, &str)]) -> App {
    let dir = TempDir::new().unwrap();
    let state = state(&dir, env).await;
    App {
        router: router(state),
        _dir: dir,
    }
}

async fn state(dir: &TempDir, env: &[(&str, &str)]) -> AppState {
    let data_dir = dir.path().display().to_string();
    let config = Config::from_lookup(|key| match key {
        "PARVIS_DATA_DIR" => Some(data_dir.clone()),
        "PARVIS_PUBLIC_URL" => Some(PUBLIC_URL.to_owned()),
        "PARVIS_APP_DIR" => Some(dir.path().join("no-app").display().to_string()),
        _ => env
            .iter()
            .rev()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| (*value).to_owned()),
    })
    .unwrap();
    AppState::from_config(&config).await.unwrap()
}

impl App {
    async fn get(&self, uri: &str) -> Reply {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    ORGANISATION.iter().chain(extra).copied().collect()
}

/// The elements HTML closes by itself.
const VOID: &[&str] = &["meta", "link", "br", "wbr", "img", "input", "hr"];

/// Checks the document's structure: every element closed in order, one
/// `<h1>`, headings that never skip a level, unique ids, no script.
fn check_structure(path: &str, html: &str) {
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"),
        "{path}"
    );
    assert!(
        !html.to_lowercase().contains("<script"),
        "{path} has a script"
    );
    let mut open: Vec<String> = Vec::new();
    let mut headings = Vec::new();
    let mut ids = std::collections::HashSet::new();
    let mut rest = &html["<!DOCTYPE html>".len()..];
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("a closed tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let expected = open.pop();
            assert_eq!(
                expected.as_deref(),
                Some(name),
                "{path}: </{name}> closes {expected:?}"
            );
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "{path}: odd tag <{tag}>");
        if let Some(level) = name.strip_prefix('h').and_then(|l| l.parse::<u8>().ok()) {
            headings.push(level);
        }
        if let Some(at) = tag.find(" id=\"") {
            let id = tag[at + 5..].split('"').next().unwrap();
            assert!(ids.insert(id.to_owned()), "{path}: id {id} twice");
        }
        if !VOID.contains(&name.as_str()) {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "{path}: unclosed {open:?}");
    assert_eq!(headings.iter().filter(|&&l| l == 1).count(), 1, "{path}");
    assert_eq!(headings.first(), Some(&1), "{path}");
    for pair in headings.windows(2) {
        assert!(
            pair[1] <= pair[0] + 1,
            "{path}: h{} after h{}",
            pair[1],
            pair[0]
        );
    }
}

#[tokio::test]
async fn each_legal_page_is_a_french_document_with_the_site_around_it() {
    let app = app(ORGANISATION).await;
    for (path, title) in PAGES {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.headers[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        let html = &reply.text;
        check_structure(path, html);
        assert!(
            html.contains(&format!("<title>{title} – Parvis</title>")),
            "{path}"
        );
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}");
        assert!(
            html.contains("<a class=\"skip-link\" href=\"#contenu\">Aller au contenu</a>"),
            "{path}"
        );
        assert!(html.contains("<header class=\"site-header\">"), "{path}");
        assert!(
            html.contains("<a class=\"brand\" href=\"/\">Parvis</a>"),
            "{path}"
        );
        assert!(html.contains("<p class=\"tagline\">"), "{path}");
        assert!(
            html.contains("<main id=\"contenu\" tabindex=\"-1\""),
            "{path}"
        );
        let footer = &html[html.find("<footer class=\"site-footer\">").expect(path)..];
        for (other, _) in PAGES {
            assert!(
                footer.contains(&format!("<a href=\"{other}\"")),
                "{path} -> {other}"
            );
        }
        assert!(
            footer.contains(&format!("<a href=\"{path}\" aria-current=\"page\">")),
            "{path}"
        );
        assert!(!html.contains("non renseigné"), "{path}: {html}");
        assert!(!html.contains("Site de démonstration"), "{path}");
        // Without the built app there is no stylesheet to name.
        assert!(!html.contains("rel=\"stylesheet\""), "{path}");
    }
}

#[tokio::test]
async fn legal_pages_have_a_policy_that_allows_no_script() {
    let app = app(ORGANISATION).await;
    for (path, _) in PAGES {
        let reply = app.get(path).await;
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.starts_with("default-src 'none';"), "{path}: {csp}");
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        assert!(csp.contains("style-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(reply.headers[header::REFERRER_POLICY], "no-referrer");
        assert!(
            reply
                .headers
                .contains_key(header::STRICT_TRANSPORT_SECURITY)
        );
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-cache");
    }
    // The app's documents keep theirs.
    let api = app.get("/api/health").await;
    assert_eq!(
        api.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn configured_values_are_shown_escaped() {
    let app = app(&with(&[
        (
            "PARVIS_PUBLISHER_NAME",
            "Centre <script>alert(1)</script> & \"Cie\"",
        ),
        ("PARVIS_HOST_NAME", "<img src=x onerror=alert(1)>"),
        ("PARVIS_PUBLICATION_DIRECTOR", "Camille O'Neil"),
    ]))
    .await;
    for (path, _) in PAGES {
        let html = app.get(path).await.text;
        check_structure(path, &html);
        assert!(!html.contains("<img"), "{path}");
        assert!(!html.contains("alert(1)</script>"), "{path}");
    }
    let mentions = app.get("/mentions-legales").await.text;
    assert!(
        mentions.contains("Centre &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Cie&quot;")
    );
    assert!(mentions.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(mentions.contains("Camille O&#39;Neil"));
    assert!(mentions.contains("12 rue de l&#39;Exemple<br>78000 Versailles"));
    assert!(mentions.contains(
        "<a href=\"mailto:contact@pole-ressources.example.org\">contact<wbr>@pole-ressources<wbr>.example<wbr>.org</a>"
    ));
    assert!(mentions.contains("01 99 00 12 34"));
    assert!(mentions.contains("AGPL-3.0-or-later"));
    let privacy = app.get("/donnees-personnelles").await.text;
    assert!(privacy.contains("mailto:dpo@pole-ressources.example.org"));
    assert!(privacy.contains("conservées 18 mois après la fin de l'événement"));
    let accessibility = app.get("/accessibilite").await.text;
    assert!(accessibility.contains("établie le 13 mai 2025"));
    assert!(accessibility.contains("href=\"https://pole-ressources.example.org/schema\""));
    assert!(accessibility.contains("Centre &lt;script&gt;"));
}

#[tokio::test]
async fn a_missing_value_reads_non_renseigne_outside_the_demo() {
    let app = app(&[("PARVIS_DEMO", "0")]).await;
    for (path, _) in PAGES {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        check_structure(path, &reply.text);
        assert!(
            reply.text.contains("<em>non renseigné</em>"),
            "{path}: {}",
            reply.text
        );
        assert!(!reply.text.contains("CRPVE"), "{path}");
    }
    let mentions = app.get("/mentions-legales").await.text;
    assert!(mentions.contains("Directeur·rice de la publication : <em>non renseigné</em>"));
    let privacy = app.get("/donnees-personnelles").await.text;
    assert!(privacy.contains("Délégué·e à la protection des données : <em>non renseigné</em>"));
    assert!(privacy.contains("Durée de conservation des inscriptions après la fin de l'événement : <em>non renseigné</em>"));
    let accessibility = app.get("/accessibilite").await.text;
    assert!(accessibility.contains("établie le <em>non renseigné</em>"));
}

#[tokio::test]
async fn the_demo_shows_complete_pages_and_says_they_are_examples() {
    let demo = app(&[]).await;
    for (path, _) in PAGES {
        let html = demo.get(path).await.text;
        check_structure(path, &html);
        assert!(!html.contains("non renseigné"), "{path}: {html}");
        assert!(html.contains("Site de démonstration"), "{path}");
        assert!(html.contains("CRPVE"), "{path}");
    }
    // One value set by the organisation is shown, the rest are examples.
    let mixed = app(&[("PARVIS_HOST_NAME", "Scaleway SAS")]).await;
    let html = mixed.get("/mentions-legales").await.text;
    assert!(html.contains("Scaleway SAS"));
    assert!(html.contains("Site de démonstration"));
}

#[tokio::test]
async fn the_privacy_notice_follows_the_legal_basis_and_the_retention_settings() {
    let consent = app(&with(&[("PARVIS_TOKEN_RETENTION_DAYS", "30")])).await;
    let html = consent.get("/donnees-personnelles").await.text;
    assert!(html.contains("article 6, paragraphe 1, point a du RGPD"));
    assert!(html.contains("droit à la portabilité"));
    assert!(html.contains("retirer votre consentement"));
    assert!(html.contains("cesse de fonctionner 30 jours après la fin de l'événement"));
    assert!(html.contains(
        "son lien d'invitation, sont effacés 30 jours après la fin de l'événement, qu'elle se soit inscrite ou non"
    ));
    assert!(html.contains("Parvis ne les supprime pas automatiquement"));
    for right in ["droit d'accès", "rectification", "effacement", "limitation"] {
        assert!(html.contains(right), "{right}");
    }
    assert!(html.contains("article 9, paragraphe 2, point a"));
    assert!(html.contains("CNIL"));
    assert!(html.contains("ne dépose aucun cookie"));
    assert!(html.contains("Lieu d'hébergement des données : France"));
    // The newsletter and the download counts are said, with the purge.
    assert!(html.contains("lettre d'information de l'organisation choisie"));
    assert!(html.contains(&format!(
        "n'est pas confirmée est effacée au bout de {} jours",
        parvis_api::store::lettre::CONFIRMATION_DAYS
    )));
    assert!(html.contains("sans rien enregistrer sur la personne qui télécharge"));

    let public = app(&with(&[("PARVIS_LEGAL_BASIS", "mission-interet-public")])).await;
    let html = public.get("/donnees-personnelles").await.text;
    assert!(html.contains("article 6, paragraphe 1, point e"));
    assert!(html.contains("droit d'opposition"));
    assert!(html.contains("Le droit à la portabilité ne s'applique pas"));
    assert!(html.contains("cesse de fonctionner 90 jours après"));
}

#[tokio::test]
async fn the_accessibility_statement_follows_the_audit() {
    let none = app(ORGANISATION).await;
    let html = none.get("/accessibilite").await.text;
    assert!(html.contains("<strong>non conforme</strong>"));
    assert!(html.contains("aucun audit de conformité n'ayant encore été réalisé"));
    assert!(html.contains(">Accessibilité : non conforme</a>"));
    assert!(html.contains(&format!("href=\"{PUBLIC_URL}/\"")));
    for part in [
        "<h2>État de conformité</h2>",
        "<h2>Résultats des tests</h2>",
        "<h2>Contenus non accessibles</h2>",
        "<h2>Établissement de cette déclaration d'accessibilité</h2>",
        "<h2>Retour d'information et contact</h2>",
        "<h2>Voies de recours</h2>",
        "09 69 39 00 00",
        "Libre réponse 71120",
        "75342 Paris CEDEX 07",
        "https://formulaire.defenseurdesdroits.fr/",
        "axe-core",
        "Playwright",
        "320 pixels",
    ] {
        assert!(html.contains(part), "{part}");
    }
    // The mention shows on every page, in the footer.
    let mentions = none.get("/mentions-legales").await.text;
    assert!(mentions.contains("Accessibilité : non conforme"));

    let audited = app(&with(&[
        ("PARVIS_ACCESSIBILITY_AUDIT_RATE", "87,5"),
        ("PARVIS_ACCESSIBILITY_AUDIT_DATE", "2025-03-14"),
        ("PARVIS_ACCESSIBILITY_AUDITOR", "Cabinet <Exemple>"),
    ]))
    .await;
    let html = audited.get("/accessibilite").await.text;
    assert!(html.contains("<strong>partiellement conforme</strong>"));
    assert!(html.contains(
        "réalisé le 14 mars 2025 par Cabinet &lt;Exemple&gt; révèle que 87,5\u{a0}% des critères"
    ));
    assert!(html.contains("Accessibilité : partiellement conforme"));

    let declared = app(&with(&[(
        "PARVIS_ACCESSIBILITY_STATUS",
        "totalement-conforme",
    )]))
    .await;
    let html = declared.get("/donnees-personnelles").await.text;
    assert!(html.contains("Accessibilité : totalement conforme"));
}

#[tokio::test]
async fn with_the_built_app_the_pages_take_its_stylesheet_but_never_its_scripts() {
    let dir = TempDir::new().unwrap();
    let app_dir = dir.path().join("dist");
    std::fs::create_dir_all(&app_dir).unwrap();
    std::fs::write(
        app_dir.join("index.html"),
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Parvis</title>\n\
         <script type=\"module\">\nimport init from '/parvis-0123456789abcdef.js';\nawait init();\n</script>\n\
         <link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\" data-integrity=\"none\"/>\n\
         <link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E\">\n\
         <link rel=\"modulepreload\" href=\"/parvis-0123456789abcdef.js\" crossorigin=\"anonymous\">\
         <link rel=\"preload\" href=\"/parvis-0123456789abcdef_bg.wasm\" crossorigin=\"anonymous\" as=\"fetch\" type=\"application/wasm\">\
         </head>\n<body><main><h1>Parvis</h1></main></body>\n</html>\n",
    )
    .unwrap();
    std::fs::write(
        app_dir.join("main-0123456789abcdef.css"),
        "body { margin: 0 }",
    )
    .unwrap();
    let state = state(&dir, ORGANISATION).await;
    let app = App {
        router: router_with_app(state, &app_dir).unwrap(),
        _dir: dir,
    };
    for (path, _) in PAGES {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let html = &reply.text;
        check_structure(path, html);
        assert!(
            html.contains("<link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\">"),
            "{path}: {html}"
        );
        assert!(
            html.contains("<link rel=\"icon\" href=\"data:image/svg+xml,"),
            "{path}"
        );
        assert!(!html.contains("preload"), "{path}");
        assert!(!html.contains("parvis-0123456789abcdef"), "{path}");
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            !csp.contains("sha256-") && !csp.contains("script-src"),
            "{csp}"
        );
    }
    // The stylesheet the pages name is served, and the app keeps its loader.
    assert_eq!(
        app.get("/main-0123456789abcdef.css").await.status,
        StatusCode::OK
    );
    let shell = app.get("/").await;
    assert!(shell.text.contains("<script type=\"module\">"));
    let csp = shell.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("'sha256-"), "{csp}");
}

#[tokio::test]
async fn only_get_is_answered_and_near_misses_are_not_legal_pages() {
    let app = app(ORGANISATION).await;
    let post = app
        .router
        .clone()
        .oneshot(
            Request::post("/mentions-legales")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    let head = app
        .router
        .clone()
        .oneshot(Request::head("/accessibilite").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        app.get("/mentions-legales/autre").await.status,
        StatusCode::NOT_FOUND
    );
}
