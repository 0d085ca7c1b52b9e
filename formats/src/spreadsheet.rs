//! The SIM's inputs saved as an Excel workbook (.xlsx): the first worksheet
//! becomes the CSV text the readers of `inputs` already read, so that a
//! workbook is held to exactly the rules of the CSV file and its errors name
//! the same things: the sheet's row number as the line, the column heading
//! as written, the value as the cell shows it.

use std::io::Cursor;

use calamine::{Data, DataType, Reader, Xlsx};

use crate::inputs::InputError;

/// Whether the bytes are a zip archive, as every .xlsx file is; CSV text
/// never starts with these bytes.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The first worksheet of the workbook as CSV text, one line per row of the
/// sheet (empty rows kept as empty lines, so that line numbers stay the
/// sheet's row numbers). `file` names the workbook in messages.
pub fn first_sheet_as_csv(file: &str, bytes: &[u8]) -> Result<String, InputError> {
    let unreadable = |why: String| InputError::BadFile {
        file: file.to_string(),
        problem: format!(
            "cannot be read as an Excel workbook ({why}); save it as .xlsx or as CSV UTF-8"
        ),
    };
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(e.to_string()))?,
        None => {
            return Err(InputError::BadFile {
                file: file.to_string(),
                problem: "the workbook has no worksheet".into(),
            })
        }
    };
    let Some((first_row, _)) = range.start() else {
        return Err(InputError::BadFile {
            file: file.to_string(),
            problem: "the first worksheet is empty".into(),
        });
    };
    let mut out = String::new();
    let mut headings: Vec<String> = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in range.rows().enumerate() {
        // Row numbers as the spreadsheet shows them (1 for the first).
        let line = u64::from(first_row) + i as u64 + 1;
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(col, cell)| {
                cell_text(cell).unwrap_or_else(|why| {
                    errors.push(InputError::BadValue {
                        file: file.to_string(),
                        line,
                        field: headings
                            .get(col)
                            .cloned()
                            .unwrap_or_else(|| format!("column {}", col + 1)),
                        value: why.clone(),
                        problem: "is an error in the spreadsheet, not a value".into(),
                    });
                    String::new()
                })
            })
            .collect();
        if i == 0 {
            headings = cells.clone();
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            // The csv reader skips an empty line, as a spreadsheet's empty
            // row should be; a line of commas would be a row of blanks.
            out.push('\n');
            continue;
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer
            .write_record(&cells)
            .and_then(|()| writer.flush().map_err(csv::Error::from))
            .map_err(|e| unreadable(e.to_string()))?;
        let bytes = writer.into_inner().map_err(|e| unreadable(e.to_string()))?;
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    match errors.len() {
        0 => {}
        1 => return Err(errors.remove(0)),
        _ => {
            return Err(InputError::Several {
                file: file.to_string(),
                errors,
            })
        }
    }
    // Rows above the table (a title left empty) as empty lines, which the
    // csv reader skips, so that every line number is the sheet's row.
    let mut text = "\n".repeat(first_row as usize);
    text.push_str(&out);
    Ok(text)
}

/// A cell as a person reads it: text as is, whole numbers without ".0",
/// dates as ISO dates (a time of day only where there is one), TRUE/FALSE.
/// An error cell (`#N/A`, `#REF!`) is the `Err` with what it shows.
fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(_) => match cell.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.format("%Y-%m-%d %H:%M").to_string(),
            None => cell.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(e.to_string()),
    })
}

/// A number as the cell shows it: 12, not 12.0; 0.5 as 0.5.
fn number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    fn workbook(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = Workbook::new();
        build(book.add_worksheet());
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_heads_workbook_reads_like_its_csv() {
        let bytes = workbook(|s| {
            s.write_string(0, 0, "URN").unwrap();
            s.write_string(0, 1, "Name").unwrap();
            s.write_string(0, 2, "email").unwrap();
            // A URN typed as a number: Excel stores 900001.0.
            s.write_number(1, 0, 900001.0).unwrap();
            s.write_string(1, 1, "Ann Lee").unwrap();
            s.write_string(1, 2, "ann@school.example").unwrap();
            s.write_number(2, 0, 900002.0).unwrap();
            s.write_string(2, 1, "Bob, \"the head\"").unwrap();
            s.write_string(2, 2, "bob@school.example").unwrap();
        });
        assert!(is_xlsx(&bytes));
        let text = first_sheet_as_csv("heads.xlsx", &bytes).unwrap();
        assert_eq!(
            text,
            "URN,Name,email\n900001,Ann Lee,ann@school.example\n\
             900002,\"Bob, \"\"the head\"\"\",bob@school.example\n"
        );
        let heads = inputs::parse_heads(&text).unwrap();
        assert_eq!(heads.len(), 2);
        assert_eq!(heads[1].name, "Bob, \"the head\"");
    }

    #[test]
    fn dates_numbers_and_blank_rows_read_as_a_person_expects() {
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let bytes = workbook(|s| {
            s.write_string(0, 0, "when").unwrap();
            s.write_string(0, 1, "n").unwrap();
            s.write_datetime_with_format(
                1,
                0,
                ExcelDateTime::from_ymd(2027, 1, 12).unwrap(),
                &date,
            )
            .unwrap();
            s.write_number(1, 1, 2.5).unwrap();
            // Row 3 left empty: row 4 stays line 4.
            s.write_number(3, 1, 7.0).unwrap();
        });
        let text = first_sheet_as_csv("x.xlsx", &bytes).unwrap();
        assert_eq!(text, "when,n\n2027-01-12,2.5\n\n,7\n");
        // A table starting on row 3: the readers still count the sheet's rows.
        let bytes = workbook(|s| {
            s.write_string(2, 0, "urn").unwrap();
            s.write_string(2, 1, "category").unwrap();
            s.write_number(3, 0, 900001.0).unwrap();
            s.write_string(3, 1, "purple").unwrap();
        });
        let text = first_sheet_as_csv("sspb.xlsx", &bytes).unwrap();
        let err = inputs::parse_sspb(&text).unwrap_err().to_string();
        assert!(
            err.contains("line 4, field \"category\": \"purple\""),
            "{err}"
        );
    }

    #[test]
    fn every_bad_row_of_a_workbook_is_named_by_row_and_heading() {
        let bytes = workbook(|s| {
            for (c, h) in ["URN", "Name", "Email"].iter().enumerate() {
                s.write_string(0, c as u16, *h).unwrap();
            }
            s.write_string(1, 0, "12x").unwrap();
            s.write_string(1, 1, "Ann").unwrap();
            s.write_string(1, 2, "ann@x").unwrap();
            s.write_number(2, 0, 900002.0).unwrap();
            s.write_string(2, 1, "Bob").unwrap();
            s.write_string(2, 2, "not an address").unwrap();
        });
        let text = first_sheet_as_csv("heads.xlsx", &bytes).unwrap();
        let err = inputs::parse_heads(&text).unwrap_err();
        let each: Vec<String> = err.each().iter().map(|e| e.to_string()).collect();
        assert_eq!(each.len(), 2, "{each:?}");
        assert!(
            each[0].contains("line 2, field \"URN\": \"12x\""),
            "{each:?}"
        );
        assert!(
            each[1].contains("line 3, field \"Email\": \"not an address\" is not an email address"),
            "{each:?}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused_in_words() {
        let err = first_sheet_as_csv("heads.xlsx", b"PK\x03\x04 not really").unwrap_err();
        assert!(err
            .to_string()
            .contains("cannot be read as an Excel workbook"));
        assert!(!is_xlsx(b"urn,name,email\n"));
    }
}
