//! An SVG picture of a confusion matrix (plotters, SVG backend).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{Error, Result};
use crate::metrics::Confusion;

/// Draws `confusion` as a heat map to the SVG file `path`.
///
/// Each cell shows the percentage of the true genre's tracks (the row) predicted as the column's
/// genre, `100 * counts[t][p] / sum_p counts[t][p]`; the shade is proportional to it (white 0 %,
/// dark blue 100 %). The diagonal holds the per-genre recall. `title` goes above the matrix.
pub fn write_confusion_svg(confusion: &Confusion, title: &str, path: &Path) -> Result<()> {
    let plot_err = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let n = confusion.labels.len().max(1) as i32;
    let cell = 56;
    let left = 110;
    let top = 70;
    let bottom = 100;
    let size = (
        (left + n * cell + 30) as u32,
        (top + n * cell + bottom) as u32,
    );
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(&e))?;
    let font = |px: i32| ("sans-serif", px).into_font();
    root.draw(&Text::new(
        title.to_string(),
        (left + n * cell / 2, 22),
        centered(16, &BLACK),
    ))
    .map_err(|e| plot_err(&e))?;
    root.draw(&Text::new(
        "predicted genre".to_string(),
        (left + n * cell / 2, top + n * cell + 80),
        centered(13, &BLACK),
    ))
    .map_err(|e| plot_err(&e))?;
    root.draw(&Text::new(
        "true genre (row %)".to_string(),
        (left - 60, top - 20),
        centered(13, &BLACK),
    ))
    .map_err(|e| plot_err(&e))?;
    for (t, row) in confusion.counts.iter().enumerate() {
        let total: u64 = row.iter().sum();
        let y = top + t as i32 * cell;
        root.draw(&Text::new(
            confusion.labels[t].clone(),
            (left - 8, y + cell / 2),
            TextStyle::from(font(13))
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(|e| plot_err(&e))?;
        for (p, &count) in row.iter().enumerate() {
            let x = left + p as i32 * cell;
            let share = if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            };
            let shade = |lo: f64, hi: f64| (lo + (hi - lo) * share).round() as u8;
            let fill = RGBColor(shade(255.0, 8.0), shade(255.0, 48.0), shade(255.0, 107.0));
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                fill.filled(),
            ))
            .map_err(|e| plot_err(&e))?;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(200, 200, 200).stroke_width(1),
            ))
            .map_err(|e| plot_err(&e))?;
            let ink = if share > 0.5 { WHITE } else { BLACK };
            root.draw(&Text::new(
                format!("{:.0}", 100.0 * share),
                (x + cell / 2, y + cell / 2),
                centered(13, &ink),
            ))
            .map_err(|e| plot_err(&e))?;
        }
    }
    for (p, label) in confusion.labels.iter().enumerate() {
        let x = left + p as i32 * cell + cell / 2;
        root.draw(&Text::new(
            label.clone(),
            (x, top + n * cell + 10),
            TextStyle::from(font(12).transform(FontTransform::Rotate90))
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| plot_err(&e))?;
    }
    root.present().map_err(|e| plot_err(&e))?;
    Ok(())
}

/// A text style of `px` pixels in `color`, anchored at its centre.
fn centered(px: i32, color: &RGBColor) -> TextStyle<'_> {
    TextStyle::from(("sans-serif", px).into_font())
        .color(color)
        .pos(Pos::new(HPos::Center, VPos::Center))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_svg_with_every_label_and_percentage() {
        let mut c = Confusion::new(vec!["blues".into(), "jazz".into()]);
        for _ in 0..3 {
            c.add(0, 0);
        }
        c.add(0, 1);
        c.add(1, 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.svg");
        write_confusion_svg(&c, "test", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        // plotters writes each text element's content on a line of its own.
        for needle in [
            ">\nblues\n",
            ">\njazz\n",
            ">\n75\n",
            ">\n25\n",
            ">\n100\n",
            ">\n0\n",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        let bad = dir.path().join("no/such/dir/c.svg");
        assert!(matches!(
            write_confusion_svg(&c, "t", &bad),
            Err(Error::Plot { .. })
        ));
    }
}
