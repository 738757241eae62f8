//! A minimal PDF 1.4 writer, for the demo publications' files: the project
//! makes its own small, real PDFs instead of shipping or downloading any.
//!
//! [`document`] lays out a title and paragraphs on A4 pages in Helvetica
//! (one of the 14 standard fonts every reader has, so nothing is embedded)
//! with the WinAnsi encoding, which covers French (accents, « », œ, –, …).
//! Lines are wrapped with Helvetica's real advance widths; a page is added
//! whenever one is full. The file has its catalogue, page tree, one content
//! stream per page, an information dictionary with the title, a cross
//! reference table with exact offsets, and `%%EOF`.
//!
//! [`padded`] adds an unreferenced stream of filler bytes, for benches that
//! need a file of a given size (a 10 MB report).

use std::fmt::Write as _;

/// Page size (A4, in points) and layout.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 64.0;
const TITLE_SIZE: f32 = 18.0;
const BODY_SIZE: f32 = 11.0;
const TITLE_LEADING: f32 = 24.0;
const BODY_LEADING: f32 = 15.0;
const PARAGRAPH_GAP: f32 = 8.0;

/// A PDF of `title` (bold, at the top of the first page) and `paragraphs`,
/// wrapped to the page and flowing onto as many pages as they need.
pub fn document(title: &str, paragraphs: &[&str]) -> Vec<u8> {
    padded(title, paragraphs, 0)
}

/// As [`document`], at least `at_least` bytes long: filler bytes in a
/// stream no page uses (readers skip it).
pub fn padded(title: &str, paragraphs: &[&str], at_least: usize) -> Vec<u8> {
    let mut out = write(title, paragraphs, None);
    // The filler's own wrapping and cross-reference line count too: grow
    // it until the file is long enough (two passes at most in practice).
    let mut filler = 0;
    while out.len() < at_least {
        filler += at_least - out.len();
        out = write(title, paragraphs, Some(filler));
    }
    out
}

fn write(title: &str, paragraphs: &[&str], filler: Option<usize>) -> Vec<u8> {
    let pages = layout(title, paragraphs);
    let mut objects: Vec<Vec<u8>> = Vec::new();
    // 1: catalogue, 2: pages, 3: Helvetica, 4: Helvetica-Bold, 5: info;
    // then each page and its content stream.
    let first_page = 6;
    let kids: Vec<String> = (0..pages.len())
        .map(|n| format!("{} 0 R", first_page + 2 * n))
        .collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(format!("<< /Title {} /Producer (Parvis) >>", text_string(title)).into_bytes());
    for (n, content) in pages.iter().enumerate() {
        let contents = first_page + 2 * n + 1;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {contents} 0 R >>"
            )
            .into_bytes(),
        );
        objects.push(stream(content));
    }
    if let Some(filler) = filler {
        objects.push(stream(&vec![b'.'; filler]));
    }
    let mut out: Vec<u8> = Vec::new();
    // The binary comment tells transfer tools the file is not text.
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", n + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for offset in &offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}

fn stream(content: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
    out
}

/// The content streams of the pages.
fn layout(title: &str, paragraphs: &[&str]) -> Vec<Vec<u8>> {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut page: Vec<u8> = Vec::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    let line = |page: &mut Vec<u8>, y: &mut f32, text: &str, bold: bool| {
        let (font, size, leading) = if bold {
            ("F2", TITLE_SIZE, TITLE_LEADING)
        } else {
            ("F1", BODY_SIZE, BODY_LEADING)
        };
        *y -= leading;
        page.extend_from_slice(format!("BT /{font} {size} Tf {MARGIN} {y:.1} Td ").as_bytes());
        page.extend_from_slice(&literal(text));
        page.extend_from_slice(b" Tj ET\n");
    };
    for text in wrap(title, TITLE_SIZE, width) {
        line(&mut page, &mut y, &text, true);
    }
    y -= PARAGRAPH_GAP;
    for paragraph in paragraphs {
        for text in wrap(paragraph, BODY_SIZE, width) {
            if y - BODY_LEADING < MARGIN {
                pages.push(std::mem::take(&mut page));
                y = PAGE_HEIGHT - MARGIN;
            }
            line(&mut page, &mut y, &text, false);
        }
        y -= PARAGRAPH_GAP;
    }
    pages.push(page);
    pages
}

/// Words into lines no wider than `width` points at `size`.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && text_width(&candidate, size) > width {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(advance).sum::<u32>() as f32 * size / 1000.0
}

/// Helvetica's advance width of a character, in thousandths of an em
/// (the font's AFM metrics; accented letters take their base letter's).
fn advance(c: char) -> u32 {
    const ASCII: [u16; 95] = [
        278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
        278, // ' '..'/'
        556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
        556, // '0'..'?'
        1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
        778, // '@'..'O'
        667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
        556, // 'P'..'_'
        333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
        556, // '`'..'o'
        556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'..'~'
    ];
    let base = match c {
        'à' | 'â' | 'ä' | 'á' => 'a',
        'ç' => 'c',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' => 'i',
        'ô' | 'ö' | 'ó' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'À' | 'Â' => 'A',
        'Ç' => 'C',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Î' | 'Ï' => 'I',
        'Ô' => 'O',
        'Ù' | 'Û' => 'U',
        '’' | '‘' => '\'',
        other => other,
    };
    match base {
        ' '..='~' => u32::from(ASCII[base as usize - 32]),
        'œ' => 944,
        'Œ' => 1000,
        '«' | '»' => 556,
        '–' => 556,
        '—' | '…' => 1000,
        '·' => 278,
        _ => 556,
    }
}

/// A character in WinAnsiEncoding (Windows-1252), `?` when it has none.
fn win_ansi(c: char) -> u8 {
    match c {
        '\u{20}'..='\u{7e}' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        'Œ' => 0x8c,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        'œ' => 0x9c,
        'Ÿ' => 0x9f,
        // Narrow and ordinary spaces of French typography.
        '\u{202f}' | '\u{2009}' => b' ',
        _ => b'?',
    }
}

/// A PDF literal string of `text` in WinAnsi, `(`, `)` and `\` escaped.
fn literal(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        let byte = win_ansi(c);
        if matches!(byte, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(byte);
    }
    out.push(b')');
    out
}

/// A text string for the information dictionary: UTF-16BE with its byte
/// order mark, in hexadecimal (any character, no escaping).
fn text_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: &str = "Villes et vivre ensemble : la cohésion sociale";

    fn paragraphs() -> Vec<String> {
        (1..=40)
            .map(|n| {
                format!(
                    "Paragraphe {n} : l'observation partagée, « la participation » et la coopération entre acteurs – œuvre commune."
                )
            })
            .collect()
    }

    #[test]
    fn a_real_parser_reads_the_title_back() {
        let paragraphs = paragraphs();
        let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        let bytes = document(TITLE, &refs);
        assert!(parvis_core::publications::looks_like_pdf(&bytes));
        let pdf = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf reads");
        let pages = pdf.get_pages();
        assert!(pages.len() >= 2, "40 paragraphs flow onto a second page");
        let text = pdf.extract_text(&[1]).expect("the first page's text");
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Villes et vivre ensemble"), "{flat}");
        assert!(flat.contains("cohésion sociale"), "accents: {flat}");
        assert!(flat.contains("« la participation »"), "{flat}");
        // The information dictionary names it.
        let info = pdf
            .trailer
            .get(b"Info")
            .and_then(|i| i.as_reference())
            .unwrap();
        let title = pdf.get_dictionary(info).unwrap().get(b"Title").unwrap();
        assert_eq!(lopdf::decode_text_string(title).unwrap(), TITLE);
    }

    #[test]
    fn the_cross_reference_offsets_are_exact() {
        let bytes = document(TITLE, &["Un.", "Deux (avec des parenthèses) et \\."]);
        let last = |needle: &[u8]| {
            bytes
                .windows(needle.len())
                .rposition(|w| w == needle)
                .unwrap()
        };
        let xref = last(b"\nxref\n") + 1;
        let tail = String::from_utf8(bytes[xref..].to_vec()).expect("the table is ASCII");
        let start: usize = tail[tail.find("startxref\n").unwrap() + 10..]
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(start, xref);
        let entries: Vec<&str> = tail
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .collect();
        assert_eq!(
            entries.len(),
            7,
            "five objects and one page with its stream"
        );
        for (n, line) in entries.iter().enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                bytes[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()),
                "object {}",
                n + 1
            );
        }
        assert!(bytes.ends_with(b"%%EOF\n"));
    }

    #[test]
    fn lines_fit_the_page() {
        for line in wrap(&"mot ".repeat(200), BODY_SIZE, PAGE_WIDTH - 2.0 * MARGIN) {
            assert!(text_width(&line, BODY_SIZE) <= PAGE_WIDTH - 2.0 * MARGIN);
        }
    }

    #[test]
    fn padding_reaches_the_size_asked_for_and_stays_a_pdf() {
        let bytes = padded(TITLE, &["Un rapport de dix mégaoctets."], 1_000_000);
        assert!(
            bytes.len() >= 1_000_000 && bytes.len() < 1_000_100,
            "{}",
            bytes.len()
        );
        assert!(parvis_core::publications::looks_like_pdf(&bytes));
        let pdf = lopdf::Document::load_mem(&bytes).expect("still a PDF");
        assert_eq!(pdf.get_pages().len(), 1);
    }
}
