//! An event's description: the organiser's Markdown, rendered to HTML by
//! pulldown-cmark, once, when the event is saved.
//!
//! What may come out: paragraphs, line breaks, headings from level 3 down
//! (the description sits in the page's « Présentation » section), emphasis, lists, quotations,
//! code, rules and links. Links open in the same tab and carry
//! `rel="noopener noreferrer"`; only `https:`, `http:`, `mailto:` and
//! relative addresses are kept. Raw HTML in the Markdown is escaped, not
//! interpreted, and images are dropped: the page's Content-Security-Policy
//! would refuse them and alternative text cannot be checked.
//!
//! The output is safe by construction, not cleaned afterwards: every event
//! the parser gives is let through only if it is one of those elements,
//! with no attribute but the link's checked address (and a list's start,
//! which pulldown-cmark writes as a number), and pulldown-cmark escapes all
//! text and addresses it writes. No HTML parser is needed to sanitise it.

use pulldown_cmark::{
    BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag,
    TagEnd,
};

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
    let mut images = 0_usize;
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(
        &mut html,
        events
            .into_iter()
            .filter_map(|event| allowed(event, &levels, &mut images)),
    );
    html
}

/// `event` as it may be written, or `None` when it is dropped. `images`
/// counts the images being skipped, whose alternative text goes with them.
fn allowed<'a>(event: Event<'a>, levels: &Levels, images: &mut usize) -> Option<Event<'a>> {
    if *images > 0 {
        match event {
            Event::Start(Tag::Image { .. }) => *images += 1,
            Event::End(TagEnd::Image) => *images -= 1,
            _ => {}
        }
        return None;
    }
    Some(match event {
        Event::Start(Tag::Image { .. }) => {
            *images = 1;
            return None;
        }
        Event::Start(Tag::Heading { level, .. }) => Event::Start(Tag::Heading {
            level: levels.next_level(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        }),
        Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Heading(levels.last_level())),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            ..
        }) => Event::InlineHtml(link_start(link_type, &dest_url)),
        Event::End(TagEnd::Link) => Event::InlineHtml(CowStr::Borrowed("</a>")),
        // No `class="language-…"`.
        Event::Start(Tag::CodeBlock(_)) => Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)),
        Event::Start(Tag::BlockQuote(_)) => Event::Start(Tag::BlockQuote(None::<BlockQuoteKind>)),
        Event::End(TagEnd::BlockQuote(_)) => Event::End(TagEnd::BlockQuote(None)),
        event @ (Event::Start(
            Tag::Paragraph
            | Tag::List(_)
            | Tag::Item
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::HtmlBlock,
        )
        | Event::End(
            TagEnd::Paragraph
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock,
        )
        | Event::Text(_)
        | Event::Code(_)
        | Event::SoftBreak
        | Event::HardBreak
        | Event::Rule) => event,
        // Tables, footnotes, task lists, maths… are not enabled, so never
        // given; were they, they would be dropped rather than let through.
        _ => return None,
    })
}

/// A link's opening tag: its address only when it is `https:`, `http:`,
/// `mailto:` or relative (read as a browser would, by the `url` crate, so
/// `JaVaScRiPt:` or `java&#9;script:` are refused too), and always
/// `rel="noopener noreferrer"`.
fn link_start(link_type: LinkType, destination: &str) -> CowStr<'static> {
    let href = match link_type {
        LinkType::Email => format!("mailto:{destination}"),
        _ => destination.to_owned(),
    };
    let safe = match url::Url::parse(&href) {
        Ok(url) => matches!(url.scheme(), "https" | "http" | "mailto"),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    };
    let mut tag = String::from("<a");
    if safe {
        tag.push_str(" href=\"");
        // Percent-encodes or escapes everything but an address's own
        // characters: no quote, space or `<` can end the attribute.
        pulldown_cmark_escape::escape_href(&mut tag, &href).expect("a String takes any text");
        tag.push('"');
    }
    tag.push_str(" rel=\"noopener noreferrer\">");
    CowStr::Boxed(tag.into_boxed_str())
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
            "[a](https://exemple.fr \"ti\\\"tre\" )",
            "[clic](<java\tscript:alert(1)>)",
            "[clic](javascript&colon;alert(1))",
            "[clic](&#106;avascript:alert(1))",
            "[clic](vbscript:msgbox(1))",
            "<javascript:alert(1)>",
            "[clic][r]\n\n[r]: javascript:alert(1)",
            "[clic](https://exemple.fr/\"onmouseover=\"x)",
            "```html\" onmouseover=\"x\n<b>\n```",
            "![a ![b](https://exemple.fr/b.png)](https://exemple.fr/a.png) après",
            "> [!NOTE]\n> x",
            "| a | b |\n|---|---|\n| <i>1</i> | 2 |",
            "- [ ] tâche\n\nnote[^1]\n\n[^1]: pied",
        ] {
            let html = render(hostile);
            for (name, attributes) in tags(&html) {
                assert!(
                    allowed.contains(&name.as_str()),
                    "{hostile} gave <{name}> in {html}"
                );
                for (key, value) in attributes {
                    match key.as_str() {
                        // An allowed scheme, or a relative address: no
                        // `:` before its path, query or fragment.
                        "href" => assert!(
                            ["https:", "http:", "mailto:"]
                                .iter()
                                .any(|scheme| value.starts_with(scheme))
                                || !value
                                    .split(['/', '?', '#'])
                                    .next()
                                    .unwrap_or_default()
                                    .contains(':'),
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
        // A refused address leaves the link's text, not a link anywhere.
        assert_eq!(
            render("[clic](javascript:alert(1))"),
            "<p><a rel=\"noopener noreferrer\">clic</a></p>\n"
        );
        // An image goes with its alternative text, nested ones included.
        assert_eq!(
            render("![a ![b](https://exemple.fr/b.png) c](https://exemple.fr/a.png) après"),
            "<p> après</p>\n"
        );
        // A code block keeps its text, escaped, without its language.
        assert_eq!(
            render("```html\n<b>\n```"),
            "<pre><code>&lt;b&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn relative_addresses_email_autolinks_and_list_starts_are_kept() {
        let html = render(
            "[Le programme](/evenements/journee) et <contact@exemple.fr>\n\n3. trois\n4. quatre\n\n---",
        );
        assert!(
            html.contains(
                r#"<a href="/evenements/journee" rel="noopener noreferrer">Le programme</a>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="mailto:contact@exemple.fr" rel="noopener noreferrer">contact@exemple.fr</a>"#
            ),
            "{html}"
        );
        assert!(html.contains(r#"<ol start="3">"#), "{html}");
        assert!(html.contains("<hr />"), "{html}");
        // Characters that would end the attribute are encoded.
        let quoted = render("[a](<https://exemple.fr/a b\"c>)");
        assert!(
            quoted.contains(r#"href="https://exemple.fr/a%20b%22c""#),
            "{quoted}"
        );
    }

    #[test]
    fn old_paragraphs_are_escaped() {
        assert_eq!(
            paragraphs(&["Un <b> & deux".to_owned()]),
            "<p>Un &lt;b&gt; &amp; deux</p>\n"
        );
    }
}
