//! The legal pages a French public-service site publishes, in French:
//!
//! - `/mentions-legales`: publisher, director of publication, host, licence;
//! - `/donnees-personnelles`: the privacy notice (RGPD articles 13 and 14);
//! - `/accessibilite`: the accessibility statement, in the RGAA 4.1 format.
//!
//! They are plain documents rendered once at start-up from
//! [`LegalSettings`](crate::config::LegalSettings): no script, so they cost
//! nothing to the app's wasm and get a policy that allows none
//! ([`CONTENT_SECURITY_POLICY`]). With the built app, they take its
//! stylesheet and icon from `index.html` (never its loader script or
//! preloads); without it they are served unstyled. Every configured value is
//! escaped; a missing one reads « non renseigné ».
//!
//! What the privacy notice says about retention follows the code: personal
//! links expire `PARVIS_TOKEN_RETENTION_DAYS` after their event and are then
//! deleted by the job runner, an email's body is cleared once delivered,
//! the per-client counts (a hash of the address) last two hours. Parvis does
//! not delete registrations: the notice gives the publisher's retention
//! period (`PARVIS_REGISTRATION_RETENTION_MONTHS`) and says the publisher
//! applies it.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;

use crate::AppState;
use crate::config::{Conformity, LegalBasis, LegalSettings};
use crate::shell::escape_html;

/// The legal notice.
pub const MENTIONS_PATH: &str = "/mentions-legales";
/// The privacy notice.
pub const PRIVACY_PATH: &str = "/donnees-personnelles";
/// The accessibility statement.
pub const ACCESSIBILITY_PATH: &str = "/accessibilite";

/// The policy of the legal pages: no script of any kind, styles and images
/// from the site only (the icon is a `data:` image).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What a missing setting reads as.
pub const NOT_SET: &str = "<em>non renseigné</em>";

/// The `<head>` links taken from the app's `index.html`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadLinks {
    /// The `href` of the app's stylesheet (`/main-<hash>.css`).
    pub stylesheet: Option<String>,
    /// The `href` of its icon.
    pub icon: Option<String>,
}

impl HeadLinks {
    /// Finds the stylesheet and the icon among the `<link>` tags of
    /// `index.html`; its scripts, preloads and anything else are left out.
    pub fn from_index_html(html: &str) -> Self {
        let head = html.find("</head>").map_or(html, |end| &html[..end]);
        let mut links = Self::default();
        let mut rest = head;
        while let Some(start) = rest.find("<link") {
            let after = &rest[start..];
            let Some(end) = after.find('>') else {
                break;
            };
            let tag = &after[..end];
            let href = attribute(tag, "href");
            match attribute(tag, "rel").as_deref() {
                Some("stylesheet") if links.stylesheet.is_none() => {
                    links.stylesheet = href.filter(|h| h.starts_with('/') && !h.starts_with("//"));
                }
                Some("icon") if links.icon.is_none() => {
                    links.icon =
                        href.filter(|h| h.starts_with("data:image/") || h.starts_with('/'));
                }
                _ => {}
            }
            rest = &after[end..];
        }
        links
    }
}

/// A double-quoted attribute's value, as written (no `"`, `<` or `>` in it).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let pattern = format!(" {name}=\"");
    let start = tag.find(&pattern)? + pattern.len();
    let len = tag[start..].find('"')?;
    let value = &tag[start..start + len];
    (!value.contains(['<', '>'])).then(|| value.to_owned())
}

/// The three documents, rendered once.
#[derive(Debug, Clone)]
pub struct Pages {
    /// `/mentions-legales`.
    pub mentions: Bytes,
    /// `/donnees-personnelles`.
    pub privacy: Bytes,
    /// `/accessibilite`.
    pub accessibility: Bytes,
}

/// What the pages need besides the organisation's settings.
#[derive(Debug, Clone)]
pub struct Site<'a> {
    /// The site's public address (no trailing slash).
    pub public_url: &'a str,
    /// Days after an event's end during which personal links still work.
    pub token_retention_days: u32,
}

impl Pages {
    /// Renders the three pages.
    pub fn render(settings: &LegalSettings, site: &Site<'_>, head: &HeadLinks) -> Self {
        let page = |path: &str, title: &str, description: &str, body: String| {
            Bytes::from(document(settings, head, path, title, description, &body))
        };
        Self {
            mentions: page(
                MENTIONS_PATH,
                "Mentions légales",
                "Éditeur, hébergeur et licence du site.",
                mentions(settings),
            ),
            privacy: page(
                PRIVACY_PATH,
                "Données personnelles",
                "Comment sont traitées les données des personnes qui s'inscrivent aux événements.",
                privacy(settings, site),
            ),
            accessibility: page(
                ACCESSIBILITY_PATH,
                "Déclaration d'accessibilité",
                "État de conformité du site au RGAA et voies de recours.",
                accessibility(settings, site),
            ),
        }
    }
}

/// Escapes a value, or says it is missing.
fn value(text: Option<&str>) -> String {
    text.map_or_else(|| NOT_SET.to_owned(), escape_html)
}

/// Escapes text that may hold long unbroken words (addresses, emails):
/// each line break becomes `<br>`, and a line may wrap before `@`, `.` and
/// after `/`, so nothing widens the page on a narrow screen.
fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        let mut previous = None;
        for c in line.chars() {
            if matches!(c, '@' | '.') && previous.is_some_and(|p: char| p != '.' && p != ' ') {
                out.push_str("<wbr>");
            }
            out.push_str(&escape_html(c.encode_utf8(&mut [0; 4])));
            if c == '/' {
                out.push_str("<wbr>");
            }
            previous = Some(c);
        }
    }
    out
}

/// A postal address, line by line, or « non renseigné ».
fn address_lines(text: Option<&str>) -> String {
    text.map_or_else(|| NOT_SET.to_owned(), breakable)
}

/// A `mailto:` link, or « non renseigné ».
fn email_link(address: Option<&str>) -> String {
    let Some(address) = address else {
        return NOT_SET.to_owned();
    };
    let href = address
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    format!(
        "<a href=\"mailto:{}\">{}</a>",
        escape_html(&href),
        breakable(address)
    )
}

/// A link to a configured address, or « non renseigné ».
fn url_link(url: Option<&str>, text: &str) -> String {
    url.map_or_else(
        || NOT_SET.to_owned(),
        |url| format!("<a href=\"{}\">{}</a>", escape_html(url), escape_html(text)),
    )
}

/// « 13 mai 2025 », or « non renseigné ».
fn date(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| NOT_SET.to_owned(), parvis_core::dates::short_date)
}

/// The publisher's name, starting a sentence (as the RGAA's model does).
fn publisher_first(settings: &LegalSettings) -> String {
    settings
        .publisher_name
        .as_deref()
        .map_or_else(|| format!("L'éditeur du site ({NOT_SET})"), escape_html)
}

/// The publisher's contact card.
fn publisher_card(settings: &LegalSettings) -> String {
    format!(
        "<address>\n<p>{name}<br>\n{address}</p>\n<p>Courriel : {email}<br>\nTéléphone : {phone}</p>\n</address>",
        name = value(settings.publisher_name.as_deref()),
        address = address_lines(settings.publisher_address.as_deref()),
        email = email_link(settings.publisher_email.as_deref()),
        phone = value(settings.publisher_phone.as_deref()),
    )
}

/// A whole document around `body`, with the site's header and footer.
fn document(
    settings: &LegalSettings,
    head: &HeadLinks,
    path: &str,
    title: &str,
    description: &str,
    body: &str,
) -> String {
    let mut links = String::new();
    if let Some(stylesheet) = &head.stylesheet {
        links.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{stylesheet}\">\n"
        ));
    }
    if let Some(icon) = &head.icon {
        links.push_str(&format!("<link rel=\"icon\" href=\"{icon}\">\n"));
    }
    let demo = if settings.demo_values.is_empty() {
        String::new()
    } else {
        "<p class=\"notice\">Site de démonstration : les informations sur l'organisation qui \
         figurent sur cette page sont des exemples.</p>\n"
            .to_owned()
    };
    let footer_link = |href: &str, text: &str| {
        let current = if href == path {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<li><a href=\"{href}\"{current}>{text}</a></li>")
    };
    let footer = [
        footer_link(MENTIONS_PATH, "Mentions légales"),
        footer_link(PRIVACY_PATH, "Données personnelles"),
        footer_link(
            ACCESSIBILITY_PATH,
            &format!("Accessibilité : {}", settings.conformity().label()),
        ),
    ]
    .join("\n");
    format!(
        "<!DOCTYPE html>
<html lang=\"fr\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"description\" content=\"{description}\">
<title>{title} – Parvis</title>
{links}</head>
<body>
<a class=\"skip-link\" href=\"#contenu\">Aller au contenu</a>
<header class=\"site-header\">
<div class=\"wrap\">
<a class=\"brand\" href=\"/\">Parvis</a>
<p class=\"tagline\">Agenda des centres de ressources de la politique de la ville</p>
<nav aria-label=\"Menu principal\">
<ul>
<li><a href=\"/\">Agenda</a></li>
<li><a href=\"/publications\">Publications</a></li>
</ul>
</nav>
</div>
</header>
<main id=\"contenu\" tabindex=\"-1\" class=\"wrap\">
<h1>{title}</h1>
{demo}{body}
</main>
<footer class=\"site-footer\">
<div class=\"wrap\">
<nav aria-label=\"Informations légales\">
<ul>
{footer}
</ul>
</nav>
<p>Parvis, logiciel libre pour les centres de ressources et réseaux de la politique de la ville.</p>
</div>
</footer>
</body>
</html>
",
        description = escape_html(description),
    )
}

fn mentions(settings: &LegalSettings) -> String {
    let source = match &settings.source_url {
        Some(url) => format!(
            "<p>Le code source du logiciel qui fait fonctionner ce site est disponible : {}.</p>",
            url_link(Some(url), "code source de Parvis")
        ),
        None => "<p>Le code source du logiciel qui fait fonctionner ce site est disponible \
                 sur simple demande auprès de l'éditeur.</p>"
            .to_owned(),
    };
    format!(
        "<h2>Éditeur du site</h2>
{card}
<p>Directeur·rice de la publication : {director}</p>
<h2>Hébergeur</h2>
<address>
<p>{host}<br>
{host_address}</p>
<p>Téléphone : {host_phone}</p>
</address>
<h2>Logiciel</h2>
<p>Ce site fonctionne avec Parvis, logiciel libre distribué sous la licence publique générale \
GNU Affero, version 3 ou toute version ultérieure (AGPL-3.0-or-later). Chacun·e peut \
l'utiliser, l'étudier, le modifier et le redistribuer selon les termes de cette licence : \
<a href=\"https://www.gnu.org/licenses/agpl-3.0.html\" hreflang=\"en\">texte de la licence (en anglais)</a>.</p>
{source}
<h2>Données personnelles et accessibilité</h2>
<ul>
<li><a href=\"{PRIVACY_PATH}\">Données personnelles</a> : ce que deviennent les informations \
données lors d'une inscription, et comment exercer vos droits.</li>
<li><a href=\"{ACCESSIBILITY_PATH}\">Déclaration d'accessibilité</a> : état de conformité du \
site et voies de recours.</li>
</ul>",
        card = publisher_card(settings),
        director = value(settings.publication_director.as_deref()),
        host = value(settings.host_name.as_deref()),
        host_address = address_lines(settings.host_address.as_deref()),
        host_phone = value(settings.host_phone.as_deref()),
    )
}

fn privacy(settings: &LegalSettings, site: &Site<'_>) -> String {
    let dpo = email_link(settings.dpo_email.as_deref());
    let basis = match settings.legal_basis {
        LegalBasis::Consent => format!(
            "<p>Vos données sont traitées sur la base de votre consentement (article 6, \
             paragraphe 1, point a du RGPD), que vous donnez en cochant la case prévue dans le \
             formulaire d'inscription : sans elle, l'inscription n'est pas enregistrée.</p>
<p>Vous pouvez retirer votre consentement à tout moment, en annulant votre inscription depuis \
votre page personnelle « Mon inscription » (lien reçu par courriel) ou en écrivant au délégué \
à la protection des données ({dpo}). Le retrait ne remet pas en cause ce qui a été fait \
auparavant.</p>"
        ),
        LegalBasis::PublicInterest => "<p>Vos données sont traitées parce que c'est nécessaire \
             à la mission d'intérêt public de l'éditeur du site : l'animation, l'information et \
             la qualification des actrices et acteurs de la politique de la ville (article 6, \
             paragraphe 1, point e du RGPD). La case à cocher du formulaire d'inscription \
             recueille votre accord ; elle ne change pas cette base légale.</p>"
            .to_owned(),
    };
    let rights_by_basis = match settings.legal_basis {
        LegalBasis::Consent => {
            "<li>droit à la portabilité : recevoir vos données dans un format courant, ou les \
             faire transmettre à un autre organisme (article 20) ;</li>
<li>droit de retirer votre consentement à tout moment (article 7).</li>
</ul>
<p>Le traitement reposant sur votre consentement, vous vous y opposez en le retirant.</p>"
        }
        LegalBasis::PublicInterest => {
            "<li>droit d'opposition : vous opposer au traitement pour des raisons tenant à votre \
             situation particulière (article 21).</li>
</ul>
<p>Le droit à la portabilité ne s'applique pas à un traitement fondé sur une mission \
d'intérêt public.</p>"
        }
    };
    let registrations = match settings.registration_retention_months {
        Some(months) => format!(
            "<li>Les inscriptions (identité, coordonnées, structure, choix, réponses, besoins \
             d'accessibilité) sont conservées {months} mois après la fin de l'événement, puis \
             supprimées par l'éditeur. Parvis ne les supprime pas automatiquement : c'est \
             l'éditeur qui applique cette durée.</li>"
        ),
        None => format!(
            "<li>Durée de conservation des inscriptions après la fin de l'événement : \
             {NOT_SET}. Parvis ne supprime pas les inscriptions automatiquement : c'est \
             l'éditeur qui les supprime.</li>"
        ),
    };
    let after_the_end = match site.token_retention_days {
        0 => "à la fin de l'événement".to_owned(),
        1 => "1 jour après la fin de l'événement".to_owned(),
        days => format!("{days} jours après la fin de l'événement"),
    };
    let links = format!(
        "<li>Le lien personnel reçu par courriel cesse de fonctionner {after_the_end}, puis \
         est effacé.</li>\n<li>L'adresse d'une personne invitée à un événement réservé aux \
         membres, et son lien d'invitation, sont effacés {after_the_end}, qu'elle se soit \
         inscrite ou non.</li>"
    );
    format!(
        "<p>Cette page explique comment sont traitées les données personnelles recueillies par \
ce site, conformément au règlement général sur la protection des données (RGPD) et à la loi \
Informatique et libertés.</p>
<h2>Responsable du traitement</h2>
{card}
<p>Délégué·e à la protection des données : {dpo}</p>
<h2>Finalités</h2>
<p>Vos données servent à :</p>
<ul>
<li>enregistrer et gérer votre inscription à un événement : places, ateliers, journées, liste \
d'attente, accès aux événements réservés aux membres ;</li>
<li>vous envoyer par courriel la confirmation de votre inscription, les informations utiles \
(lien de connexion, fichier calendrier, documents), les rappels avant chaque séance et les \
messages qui suivent un changement ou une annulation ;</li>
<li>vous permettre de consulter, modifier ou annuler votre inscription depuis votre page \
personnelle ;</li>
<li>adapter l'accueil aux besoins d'accessibilité que vous signalez ;</li>
<li>établir le bilan chiffré de participation aux événements (nombre d'inscrit·es, types de \
structures) ;</li>
<li>protéger le service contre les abus (inscriptions en masse, codes d'invitation essayés au \
hasard) ;</li>
<li>si vous y êtes invité·e, recueillir votre avis sur un événement (questionnaire facultatif ; \
en mode anonyme, vos réponses ne sont liées à personne) ;</li>
<li>si vous vous y inscrivez, vous envoyer la lettre d'information de l'organisation choisie, \
après confirmation de votre adresse ; cet envoi repose sur votre consentement, que vous retirez \
à tout moment par le lien de désinscription de chaque lettre.</li>
</ul>
<h2>Base légale</h2>
{basis}
<p>Les besoins d'accessibilité que vous pouvez indiquer peuvent révéler des informations sur \
votre santé, qui sont des données sensibles (article 9 du RGPD). Ce champ est facultatif : ces \
informations ne sont traitées qu'avec votre consentement explicite (article 9, paragraphe 2, \
point a), que vous donnez en le remplissant, et seulement pour adapter l'accueil. Vous pouvez \
demander à tout moment qu'elles soient effacées.</p>
<h2>Données collectées</h2>
<ul>
<li>identité : prénom et nom ;</li>
<li>coordonnées : adresse électronique ;</li>
<li>structure : organisation, type de structure, fonction et, si vous l'indiquez, \
territoire ;</li>
<li>vos choix (ateliers, journées) et vos réponses aux questions de l'organisateur de \
l'événement ;</li>
<li>si vous les indiquez, vos besoins d'accessibilité ;</li>
<li>les dates de votre inscription et de votre consentement, et l'état de votre inscription \
(confirmée, en liste d'attente, annulée) ;</li>
<li>données techniques : votre adresse IP sert à limiter le nombre de tentatives \
d'inscription ; elle n'est gardée que dans la mémoire du serveur, le temps de ces limites. \
Une empreinte de cette adresse (un condensat, qui reste une donnée personnelle) est enregistrée \
deux heures au plus, pour plafonner le nombre d'inscriptions faites depuis une même adresse. \
Les journaux ordinaires de Parvis ne contiennent pas votre adresse IP.</li>
<li>lettre d'information : votre adresse électronique, la phrase de consentement affichée, les \
dates de votre consentement, de votre confirmation et, le cas échéant, de votre \
désinscription ;</li>
<li>les téléchargements de publications sont comptés par mois, sans rien enregistrer sur la \
personne qui télécharge.</li>
</ul>
<h2>Destinataires</h2>
<p>Seules les personnes chargées de l'organisation des événements chez l'éditeur du site ont \
accès à vos données. Vos besoins d'accessibilité ne sont jamais publiés : seules ces personnes \
y ont accès, et vous-même depuis votre page personnelle. Vos données ne sont ni vendues ni \
cédées.</p>
<p>Pour le seul fonctionnement du service, elles sont confiées à l'hébergeur du site \
({host}) et, le cas échéant, au service qui achemine les courriels.</p>
<h2>Durée de conservation</h2>
<ul>
{registrations}
{links}
<li>Le texte des courriels, qui contient votre lien personnel, est effacé dès leur envoi ; \
l'adresse du destinataire et l'objet restent liés à l'inscription.</li>
<li>L'empreinte de votre adresse IP est effacée au bout de deux heures.</li>
<li>Une inscription à la lettre d'information qui n'est pas confirmée est effacée au bout de \
{newsletter_days} jours ; une adresse désinscrite est gardée avec la date de sa désinscription, \
pour ne plus lui écrire.</li>
</ul>
<h2>Vos droits</h2>
<p>Vous disposez des droits suivants sur vos données :</p>
<ul>
<li>droit d'accès : savoir quelles données vous concernant sont traitées et en obtenir une \
copie (article 15) ;</li>
<li>droit de rectification : faire corriger des données inexactes (article 16) ;</li>
<li>droit à l'effacement : faire supprimer vos données (article 17) ;</li>
<li>droit à la limitation du traitement : faire geler l'utilisation de vos données le temps \
d'une vérification (article 18) ;</li>
{rights_by_basis}
<p>Vous pouvez aussi définir des directives sur le sort de vos données après votre décès.</p>
<p>Votre page personnelle « Mon inscription », dont le lien figure dans chaque courriel, vous \
permet, tant que ce lien fonctionne, de consulter votre inscription, de la modifier ou de \
l'annuler. \
Pour exercer vos autres droits, écrivez au délégué à la protection des données ({dpo}) ou à \
l'éditeur, à l'adresse indiquée plus haut. Une réponse vous est apportée dans un délai d'un \
mois.</p>
<h2>Réclamation auprès de la CNIL</h2>
<p>Si vous estimez, après nous avoir contactés, que vos droits ne sont pas respectés, vous \
pouvez adresser une réclamation à la Commission nationale de l'informatique et des libertés \
(CNIL) :</p>
<ul>
<li><a href=\"https://www.cnil.fr/fr/adresser-une-plainte\">adresser une plainte en ligne \
sur le site de la CNIL</a> ;</li>
<li>par courrier :
<address>CNIL<br>
3 place de Fontenoy<br>
TSA 80715<br>
75334 Paris CEDEX 07</address>
</li>
</ul>
<h2>Cookies et traceurs</h2>
<p>Ce site ne dépose aucun cookie et n'utilise aucun traceur ni outil de mesure d'audience. Il \
ne fait appel à aucun service tiers (polices de caractères, scripts, cartes) : tout ce que \
votre navigateur charge vient de ce site.</p>
<h2>Hébergement</h2>
<p>Le site et ses données sont hébergés par {host}. Lieu d'hébergement des données : \
{location}.</p>",
        card = publisher_card(settings),
        host = value(settings.host_name.as_deref()),
        location = value(settings.host_location.as_deref()),
        newsletter_days = crate::mail::newsletter::CONFIRMATION_DAYS,
    )
}

fn accessibility(settings: &LegalSettings, site: &Site<'_>) -> String {
    let conformity = settings.conformity();
    let site_name = format!(
        "Parvis (<a href=\"{}/\">{}</a>)",
        escape_html(site.public_url),
        breakable(site.public_url)
    );
    let plan = match &settings.accessibility_plan_url {
        Some(url) => format!(
            "<p>À cette fin, l'éditeur met en œuvre la stratégie et les actions décrites dans \
             son {}.</p>",
            url_link(Some(url), "schéma pluriannuel de mise en accessibilité")
        ),
        None => {
            format!("<p>Schéma pluriannuel de mise en accessibilité : {NOT_SET}.</p>")
        }
    };
    let rate = settings.accessibility_audit_rate;
    let reason = match (conformity, rate) {
        (Conformity::NotCompliant, None) => {
            ", aucun audit de conformité n'ayant encore été réalisé"
        }
        (Conformity::Full, _) => "",
        _ => " en raison des non-conformités énumérées ci-dessous",
    };
    let results = match rate {
        Some(rate) => format!(
            "<p>L'audit de conformité réalisé le {date} par {auditor} révèle que \
             {rate}\u{a0}% des critères du RGAA version 4.1 sont respectés.</p>",
            date = date(settings.accessibility_audit_date),
            auditor = value(settings.accessibility_auditor.as_deref()),
            rate = format!("{rate:.2}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .replace('.', ","),
        ),
        None => "<p>Aucun audit de conformité au RGAA n'a encore été réalisé : aucun taux de \
                 conformité ne peut donc être annoncé. Chaque version du logiciel est vérifiée \
                 par les tests décrits plus bas (règles automatiques, parcours au clavier, \
                 affichage sur un écran étroit), qui ne remplacent pas un audit.</p>"
            .to_owned(),
    };
    let non_conformities = match rate {
        Some(_) => {
            "<p>Le détail des non-conformités relevées figure dans le rapport d'audit, \
                    communiqué sur demande.</p>"
        }
        None => {
            "<p>En l'absence d'audit, la liste des non-conformités n'est pas établie. Les \
                 rapports d'étude proposés en PDF ne sont pas couverts par les vérifications \
                 automatiques et peuvent ne pas être accessibles : une version accessible peut \
                 être demandée (voir « Retour d'information et contact »).</p>"
        }
    };
    format!(
        "<p>{publisher_first} s'engage à rendre ses sites internet accessibles conformément à \
l'article 47 de la loi n° 2005-102 du 11 février 2005.</p>
{plan}
<p>Cette déclaration d'accessibilité s'applique au site {site_name}.</p>
<h2>État de conformité</h2>
<p>Le site {site_name} est <strong>{status}</strong> avec le référentiel général \
d'amélioration de l'accessibilité (RGAA), version 4.1{reason}.</p>
<h2>Résultats des tests</h2>
{results}
<h2>Contenus non accessibles</h2>
<h3>Non-conformités</h3>
{non_conformities}
<h3>Dérogations pour charge disproportionnée</h3>
<p>Aucune.</p>
<h3>Contenus non soumis à l'obligation d'accessibilité</h3>
<ul>
<li>Les services de visioconférence tiers vers lesquels mènent les liens de connexion des \
webinaires, qui ne sont ni développés ni contrôlés par l'éditeur du site.</li>
</ul>
<h2>Établissement de cette déclaration d'accessibilité</h2>
<p>Cette déclaration a été établie le {declared}.</p>
<h3>Technologies utilisées pour la réalisation du site</h3>
<ul>
<li>HTML5</li>
<li>CSS</li>
<li>WAI-ARIA</li>
<li>WebAssembly</li>
<li>JavaScript</li>
</ul>
<h3>Environnement de test</h3>
<ul>
<li>Chromium sans interface (headless), piloté par Playwright ;</li>
<li>parcours au clavier seul (inscription, confirmation, page personnelle) ;</li>
<li>affichage sur une largeur de 320 pixels (adaptation du contenu sans défilement \
horizontal).</li>
</ul>
<h3>Outils pour évaluer l'accessibilité</h3>
<ul>
<li>axe-core (règles WCAG 2.1 niveaux A et AA, et bonnes pratiques)</li>
<li>Playwright</li>
</ul>
<h3>Pages du site ayant fait l'objet de la vérification de conformité</h3>
<ul>
<li><a href=\"/\">Agenda</a></li>
<li>Page d'un événement</li>
<li>Formulaire d'inscription</li>
<li>Confirmation d'inscription</li>
<li>Page personnelle « Mon inscription »</li>
<li><a href=\"/publications\">Catalogue des publications</a></li>
<li>Page d'une publication</li>
<li>Questionnaire d'avis</li>
<li>Confirmation et désinscription de la lettre d'information</li>
<li><a href=\"{MENTIONS_PATH}\">Mentions légales</a></li>
<li><a href=\"{PRIVACY_PATH}\">Données personnelles</a></li>
<li><a href=\"{ACCESSIBILITY_PATH}\">Déclaration d'accessibilité</a></li>
</ul>
<h2>Retour d'information et contact</h2>
<p>Si vous n'arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter le \
responsable du site pour être orienté·e vers une alternative accessible ou obtenir le contenu \
sous une autre forme :</p>
{card}
<h2>Voies de recours</h2>
<p>Cette procédure est à utiliser dans le cas suivant : vous avez signalé au responsable du \
site un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à un des services du \
site, et vous n'avez pas obtenu de réponse satisfaisante. Vous pouvez alors :</p>
<ul>
<li><a href=\"https://formulaire.defenseurdesdroits.fr/\">écrire un message au Défenseur des \
droits</a> (formulaire en ligne) ;</li>
<li><a href=\"https://www.defenseurdesdroits.fr/carte-des-delegues\">contacter le délégué du \
Défenseur des droits dans votre région</a> ;</li>
<li>appeler le <a href=\"tel:+33969390000\">09 69 39 00 00</a> ;</li>
<li>envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) :
<address>Défenseur des droits<br>
Libre réponse 71120<br>
75342 Paris CEDEX 07</address>
</li>
</ul>",
        publisher_first = publisher_first(settings),
        status = conformity.label(),
        declared = date(settings.accessibility_declaration_date),
        card = publisher_card(settings),
    )
}

fn answer(body: &Bytes) -> Response {
    let mut response = body.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The pages name the current build's stylesheet: always revalidated.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

async fn mentions_page(State(pages): State<Arc<Pages>>) -> Response {
    answer(&pages.mentions)
}

async fn privacy_page(State(pages): State<Arc<Pages>>) -> Response {
    answer(&pages.privacy)
}

async fn accessibility_page(State(pages): State<Arc<Pages>>) -> Response {
    answer(&pages.accessibility)
}

/// The three pages, rendered now from the state's settings; `index_html`
/// is the built app's `index.html`, whose stylesheet and icon they take.
/// Missing settings are logged here, once per start.
pub fn router(state: &AppState, index_html: Option<&str>) -> Router {
    for warning in state.legal.warnings() {
        tracing::warn!("{warning}");
    }
    let head = index_html
        .map(HeadLinks::from_index_html)
        .unwrap_or_default();
    let site = Site {
        public_url: &state.public_url,
        token_retention_days: state.token_retention_days,
    };
    let pages = Arc::new(Pages::render(&state.legal, &site, &head));
    Router::new()
        .route(MENTIONS_PATH, get(mentions_page))
        .route(PRIVACY_PATH, get(privacy_page))
        .route(ACCESSIBILITY_PATH, get(accessibility_page))
        .with_state(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_INDEX: &str = "<!DOCTYPE html><html lang=\"fr\"><head>\
        <title>Parvis</title>\n<script type=\"module\">import init from '/parvis-0123456789abcdef.js';await init();</script>\
        <link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\" data-integrity=\"none\"/>\
        <link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E\">\
        <link rel=\"modulepreload\" href=\"/parvis-0123456789abcdef.js\" crossorigin=\"anonymous\">\
        <link rel=\"preload\" href=\"/parvis-0123456789abcdef_bg.wasm\" as=\"fetch\"></head>\
        <body><link rel=\"stylesheet\" href=\"/late.css\"></body></html>";

    #[test]
    fn the_head_gives_its_stylesheet_and_icon_only() {
        let links = HeadLinks::from_index_html(TRUNK_INDEX);
        assert_eq!(
            links.stylesheet.as_deref(),
            Some("/main-0123456789abcdef.css")
        );
        assert!(links.icon.unwrap().starts_with("data:image/svg+xml,"));
        assert_eq!(
            HeadLinks::from_index_html("<html></html>"),
            HeadLinks::default()
        );
    }

    #[test]
    fn long_words_may_wrap_and_lines_break() {
        assert_eq!(
            breakable("dpo@crpve.example.org"),
            "dpo<wbr>@crpve<wbr>.example<wbr>.org"
        );
        assert_eq!(
            breakable("1 rue <A>\n91000 Évry"),
            "1 rue &lt;A&gt;<br>91000 Évry"
        );
        assert_eq!(
            breakable("https://a.fr/x"),
            "https:/<wbr>/<wbr>a<wbr>.fr/<wbr>x"
        );
    }

    #[test]
    fn email_links_keep_the_address_whole_in_the_href() {
        assert_eq!(
            email_link(Some("o'neil+a?b@exemple.fr")),
            "<a href=\"mailto:o&#39;neil+a%3Fb@exemple.fr\">o&#39;neil+a?b<wbr>@exemple<wbr>.fr</a>"
        );
        assert_eq!(email_link(None), NOT_SET);
    }
}
