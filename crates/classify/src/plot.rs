//! SVG pictures (plotters, SVG backend): a confusion matrix and a bar chart. Both are drawn to
//! a temporary file beside the target and renamed over it, so a failed plot never leaves a
//! half-written picture.

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
    write_atomically(path, |tmp| draw_confusion(confusion, title, tmp))
}

/// Draws the confusion heat map of [`write_confusion_svg`] to `path`.
fn draw_confusion(confusion: &Confusion, title: &str, path: &Path) -> Result<()> {
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

/// Draws a horizontal bar chart of `bars` (label, value; values >= 0, drawn in the given order)
/// to the SVG file `path`: one bar per label, its length `value / max(values)` of the plot's
/// width, the value printed after the bar with `decimals` decimals. `title` goes above the
/// bars. Used for tracks per genre (`genrekit library stats --plot`).
pub fn write_bar_chart_svg(
    bars: &[(String, f64)],
    title: &str,
    decimals: usize,
    path: &Path,
) -> Result<()> {
    write_atomically(path, |tmp| draw_bars(bars, title, decimals, tmp))
}

/// Draws the chart of [`write_bar_chart_svg`] to `path`.
fn draw_bars(bars: &[(String, f64)], title: &str, decimals: usize, path: &Path) -> Result<()> {
    let plot_err = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let row = 26;
    let left = 150;
    let width = 420;
    let top = 50;
    let n = bars.len().max(1) as i32;
    let size = ((left + width + 90) as u32, (top + n * row + 20) as u32);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(&e))?;
    root.draw(&Text::new(
        title.to_string(),
        (left + width / 2, 22),
        centered(16, &BLACK),
    ))
    .map_err(|e| plot_err(&e))?;
    let max = bars
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = top + i as i32 * row;
        let share = if max > 0.0 && value.is_finite() {
            (value / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let len = (share * f64::from(width)).round() as i32;
        root.draw(&Text::new(
            label.clone(),
            (left - 8, y + row / 2),
            TextStyle::from(("sans-serif", 13).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(|e| plot_err(&e))?;
        root.draw(&Rectangle::new(
            [(left, y + 4), (left + len, y + row - 4)],
            RGBColor(8, 48, 107).filled(),
        ))
        .map_err(|e| plot_err(&e))?;
        root.draw(&Text::new(
            format!("{value:.decimals$}"),
            (left + len + 6, y + row / 2),
            TextStyle::from(("sans-serif", 12).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| plot_err(&e))?;
    }
    root.present().map_err(|e| plot_err(&e))?;
    Ok(())
}

/// Runs `draw` on a temporary file beside `path` (`.NAME.tmp`), then renames it to `path`;
/// on failure the temporary file is removed and `path` is left as it was.
fn write_atomically(path: &Path, draw: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    // Errors name the picture the user asked for, not the temporary file.
    let named = |message: String| Error::Plot {
        path: path.to_path_buf(),
        message,
    };
    let result = match draw(&tmp) {
        Ok(()) => std::fs::rename(&tmp, path).map_err(|e| named(e.to_string())),
        Err(Error::Plot { message, .. }) => Err(named(message)),
        Err(other) => Err(other),
    };
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn bar_chart_has_every_label_and_value_and_scales_to_the_largest() {
        let bars = vec![("rock".to_string(), 12.0), ("jazz".to_string(), 3.0)];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.svg");
        write_bar_chart_svg(&bars, "tracks per genre", 0, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for needle in [">\nrock\n", ">\njazz\n", ">\n12\n", ">\n3\n"] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        // The full-width bar (420 px from x=150) and the quarter one (105 px).
        assert!(svg.contains("width=\"420\""), "{svg}");
        assert!(svg.contains("width=\"105\""), "{svg}");
        let bad = dir.path().join("no/such/dir/b.svg");
        assert!(write_bar_chart_svg(&bars, "t", 0, &bad).is_err());
    }
}
