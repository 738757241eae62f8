//! An event's description: the organiser's Markdown, rendered to HTML by
//! pulldown-cmark and sanitised by ammonia, once, when the event is saved.
//!
//! What may come out: paragraphs, line breaks, headings from level 3 down
//! (the description sits in the page's « Présentation » section), emphasis, lists, quotations,
//! and links. Links open in the same tab and carry
//! `rel="noopener noreferrer"`; only `https:`, `http:` and `mailto:` are
//! kept. Raw HTML in the Markdown is escaped, not interpreted, and images
//! are dropped: the page's Content-Security-Policy would refuse them and
//! alternative text cannot be checked.

use std::collections::HashSet;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The description's safe HTML.
pub fn render(markdown: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH)
        .map(|event| match event {
            // Raw HTML is shown as typed, never interpreted.
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            other => other,
        })
        .collect();
    let levels = heading_levels(&events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(
        &mut html,
        events.into_iter().map(|event| match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => Event::Start(Tag::Heading {
                level: levels.next_level(level),
                id,
                classes,
                attrs,
            }),
            Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Heading(levels.last_level())),
            other => other,
        }),
    );
    sanitise(&html)
}

/// The levels headings are given: the description sits under the page's
/// « Présentation » (`h2`), so its headings start at `h3`, and a heading is
/// never more than one level below the one before it (`## a` then
/// `#### b` give `h3` then `h4`), as screen readers' users expect.
struct Levels {
    used: Vec<HeadingLevel>,
    current: std::cell::Cell<usize>,
}

fn heading_levels(events: &[Event<'_>]) -> Levels {
    let mut used: Vec<HeadingLevel> = events
        .iter()
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { level, .. }) => Some(*level),
            _ => None,
        })
        .collect();
    used.sort();
    used.dedup();
    Levels {
        used,
        current: std::cell::Cell::new(2),
    }
}

impl Levels {
    fn next_level(&self, level: HeadingLevel) -> HeadingLevel {
        let rank = self.used.iter().position(|l| *l == level).unwrap_or(0) + 3;
        let number = rank.min(self.current.get() + 1).min(6);
        self.current.set(number);
        self.last_level()
    }

    fn last_level(&self) -> HeadingLevel {
        match self.current.get() {
            3 => HeadingLevel::H3,
            4 => HeadingLevel::H4,
            5 => HeadingLevel::H5,
            _ => HeadingLevel::H6,
        }
    }
}

fn sanitise(html: &str) -> String {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "code",
        "pre",
        "hr",
    ]
    .into_iter()
    .collect();
    let schemes: HashSet<&str> = ["https", "http", "mailto"].into_iter().collect();
    ammonia::Builder::default()
        .tags(tags)
        .generic_attributes(HashSet::new())
        .tag_attributes(
            [
                ("a", ["href"].into_iter().collect()),
                ("ol", ["start"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(schemes)
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .clean(html)
        .to_string()
}

/// The HTML of a description stored as plain paragraphs (rows written
/// before descriptions were Markdown).
pub fn paragraphs(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_paragraphs_lists_emphasis_and_links() {
        let html = render(
            "# Programme\n\nUne **restitution** et un *échange*.\n\n- un\n- deux\n\n[Le rapport](https://exemple.fr/r.pdf)",
        );
        assert!(html.contains("<h3>Programme</h3>"), "{html}");
        // Whatever the levels typed, the first is an h3 and none skips one.
        let levels = render("### Un\n\n# Deux\n\n#### Trois\n\n## Quatre");
        assert!(
            levels.contains("<h3>Un</h3>")
                && levels.contains("<h3>Deux</h3>")
                && levels.contains("<h4>Trois</h4>")
                && levels.contains("<h4>Quatre</h4>"),
            "{levels}"
        );
        assert!(html.contains("<strong>restitution</strong>"));
        assert!(html.contains("<em>échange</em>"));
        assert!(html.contains("<ul>\n<li>un</li>"));
        assert!(
            html.contains(
                r#"<a href="https://exemple.fr/r.pdf" rel="noopener noreferrer">Le rapport</a>"#
            ),
            "{html}"
        );
    }

    /// Every tag of `html` with its attributes' names and values.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut found = Vec::new();
        for part in html.split('<').skip(1) {
            let inside = part.split('>').next().unwrap_or_default();
            let inside = inside.trim_start_matches('/');
            let mut words = inside.splitn(2, ' ');
            let name = words.next().unwrap_or_default().to_owned();
            let mut attributes = Vec::new();
            let mut rest = words.next().unwrap_or_default();
            while let Some((key, after)) = rest.split_once("=\"") {
                let (value, after) = after.split_once('"').unwrap_or((after, ""));
                attributes.push((key.trim().to_owned(), value.to_owned()));
                rest = after;
            }
            assert!(
                rest.trim().is_empty(),
                "an attribute without quotes in {html}"
            );
            found.push((name, attributes));
        }
        found
    }

    #[test]
    fn scripts_handlers_and_dangerous_links_never_survive() {
        let allowed = [
            "p",
            "br",
            "h3",
            "h4",
            "h5",
            "h6",
            "strong",
            "em",
            "del",
            "ul",
            "ol",
            "li",
            "blockquote",
            "a",
            "code",
            "pre",
            "hr",
        ];
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[clic](javascript:alert(1))",
            "[clic](JaVaScRiPt:alert(1))",
            "[clic](data:text/html;base64,PHNjcmlwdD4=)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "![image](https://exemple.fr/i.png)",
            "<iframe src=\"https://exemple.fr\"></iframe>",
            "<p style=\"position:fixed\" onclick=\"x()\">x</p>",
            "[a](https://exemple.fr \"titre\" onmouseover=x)",
        ] {
            let html = render(hostile);
            for (name, attributes) in tags(&html) {
                assert!(
                    allowed.contains(&name.as_str()),
                    "{hostile} gave <{name}> in {html}"
                );
                for (key, value) in attributes {
                    match key.as_str() {
                        "href" => assert!(
                            ["https:", "http:", "mailto:", "/"]
                                .iter()
                                .any(|scheme| value.starts_with(scheme)),
                            "{hostile} gave href={value}"
                        ),
                        "rel" => assert_eq!(value, "noopener noreferrer"),
                        "start" => assert!(value.parse::<u32>().is_ok()),
                        other => panic!("{hostile} gave the attribute {other} in {html}"),
                    }
                }
            }
        }
        // Raw HTML is shown as text.
        assert!(render("<b>gras</b>").contains("&lt;b&gt;gras&lt;/b&gt;"));
    }

    #[test]
    fn old_paragraphs_are_escaped() {
        assert_eq!(
            paragraphs(&["Un <b> & deux".to_owned()]),
            "<p>Un &lt;b&gt; &amp; deux</p>\n"
        );
    }
}
