//! How every `list` command prints: with `--json` the JSON it is given; otherwise a sentence
//! when there is nothing, or a table whose columns (heading and width) are declared once.

use chrono::NaiveDateTime;

/// A column of a table: left-aligned text, or a right-aligned number (followed by two spaces,
/// so it never touches the text after it). The last column has no width.
pub(crate) enum Column {
    Left(&'static str, usize),
    Right(&'static str, usize),
    Last(&'static str),
}

/// Prints `items`: `json` when asked for, `empty` when there are none, else the table of
/// `columns` with a line of `cells` (one per column) per item.
pub(crate) fn print_list<T>(
    items: &[T],
    json: Option<String>,
    empty: &str,
    columns: &[Column],
    cells: impl Fn(&T) -> Vec<String>,
) {
    if let Some(json) = json {
        println!("{json}");
    } else if items.is_empty() {
        println!("{empty}");
    } else {
        let headings: Vec<String> = columns.iter().map(|c| c.heading().to_string()).collect();
        println!("{}", line(columns, &headings));
        for item in items {
            println!("{}", line(columns, &cells(item)));
        }
    }
}

impl Column {
    fn heading(&self) -> &'static str {
        match self {
            Column::Left(h, _) | Column::Right(h, _) | Column::Last(h) => h,
        }
    }
}

fn line(columns: &[Column], cells: &[String]) -> String {
    let mut out = String::new();
    for (column, cell) in columns.iter().zip(cells) {
        match column {
            Column::Left(_, w) => out.push_str(&format!("{cell:<w$} ")),
            Column::Right(_, w) => out.push_str(&format!("{cell:>w$}  ")),
            Column::Last(_) => out.push_str(cell),
        }
    }
    out
}

/// A time for a table: `2026-11-03 14:35`, or `-` for none.
pub(crate) fn time(t: Option<NaiveDateTime>) -> String {
    t.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M").to_string())
}

/// `yes` or `no`.
pub(crate) fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_padded_to_their_width_and_numbers_aligned_right() {
        let columns = [
            Column::Left("NAME", 6),
            Column::Right("N", 3),
            Column::Last("MORE"),
        ];
        let cells = ["ab".to_string(), "7".to_string(), "x, y".to_string()];
        assert_eq!(line(&columns, &cells), "ab       7  x, y");
        let headings = ["NAME".to_string(), "N".to_string(), "MORE".to_string()];
        assert_eq!(line(&columns, &headings), "NAME     N  MORE");
    }
}
