//! Cover art at the size an app asks for (Subsonic `getCoverArt?size=`): generated SVG
//! covers are drawn with resvg (apps cannot show SVG), uploaded PNG/JPEG/WebP covers are
//! scaled with the `image` crate; both come out as PNG. Each size is made once and kept
//! next to the covers (`<kind>/sized/<name>-<size>.png`, written to a temporary file and
//! renamed, so instances sharing the data dir never see half a file).

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
};

use crate::{Error, Result};

/// Largest edge made on request (bigger requests get this size).
pub const MAX_SIZE: u32 = 1200;
/// The size an SVG cover is drawn at when the app gives none.
pub const DEFAULT_SIZE: u32 = 600;

fn fonts() -> &'static std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        db.set_sans_serif_family("DejaVu Sans");
        std::sync::Arc::new(db)
    })
}

/// The PNG file for cover `name` (a file in `dir`) at `size` px, made if missing.
/// `name` must already be a checked file name (no path parts). `None` if the cover is
/// not there.
pub fn sized(dir: &Path, name: &str, size: u32) -> Result<Option<PathBuf>> {
    let size = size.clamp(16, MAX_SIZE);
    let source = dir.join(name);
    if !source.is_file() {
        return Ok(None);
    }
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let out_dir = dir.join("sized");
    let out = out_dir.join(format!("{stem}-{size}.png"));
    if out.is_file() {
        return Ok(Some(out));
    }
    let png = if name.ends_with(".svg") {
        svg_png(&std::fs::read(&source).map_err(io)?, size)?
    } else {
        raster_png(&source, size)?
    };
    std::fs::create_dir_all(&out_dir).map_err(io)?;
    let tmp = tempfile::NamedTempFile::new_in(&out_dir).map_err(io)?;
    std::fs::write(tmp.path(), png).map_err(io)?;
    tmp.persist(&out).map_err(|e| io(e.error))?;
    Ok(Some(out))
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("cover art: {e}"))
}

fn svg_png(svg: &[u8], size: u32) -> Result<Vec<u8>> {
    let opts = resvg::usvg::Options {
        fontdb: fonts().clone(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_data(svg, &opts)
        .map_err(|e| Error::Internal(format!("cover art: {e}")))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size, size)
        .ok_or_else(|| Error::Internal("cover art: empty size".into()))?;
    let s = tree.size();
    let scale = size as f32 / s.width().max(s.height());
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Internal(format!("cover art: {e}")))
}

fn raster_png(path: &Path, size: u32) -> Result<Vec<u8>> {
    let img = image::ImageReader::open(path)
        .map_err(io)?
        .with_guessed_format()
        .map_err(io)?
        .decode()
        .map_err(|e| Error::Internal(format!("cover art: {e}")))?;
    let small = img.resize_to_fill(size, size, image::imageops::FilterType::Triangle);
    let mut out = std::io::Cursor::new(Vec::new());
    small
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("cover art: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(png: &Path) -> (u32, u32) {
        image::image_dimensions(png).unwrap()
    }

    #[test]
    fn svg_and_raster_covers_come_out_at_the_size_asked_and_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 300"><rect width="300" height="300" fill="#c00"/><text x="20" y="250" font-family="sans-serif" font-size="22">Title</text></svg>"##;
        std::fs::write(dir.path().join("a.svg"), svg).unwrap();
        let out = sized(dir.path(), "a.svg", 64).unwrap().unwrap();
        assert_eq!(dims(&out), (64, 64));
        let px = image::open(&out).unwrap().to_rgba8();
        assert_eq!(px.get_pixel(2, 2).0, [0xcc, 0, 0, 255], "drawn, not blank");
        // Kept: asking again gives the same file without drawing it again.
        let made = std::fs::metadata(&out).unwrap().modified().unwrap();
        assert_eq!(sized(dir.path(), "a.svg", 64).unwrap().unwrap(), out);
        assert_eq!(std::fs::metadata(&out).unwrap().modified().unwrap(), made);

        let wide = image::RgbImage::from_pixel(400, 200, image::Rgb([0, 90, 200]));
        wide.save(dir.path().join("b.png")).unwrap();
        assert_eq!(
            dims(&sized(dir.path(), "b.png", 100).unwrap().unwrap()),
            (100, 100)
        );
        // Sizes are capped; a missing cover is None; a broken one an error.
        assert_eq!(
            dims(&sized(dir.path(), "a.svg", 50_000).unwrap().unwrap()),
            (MAX_SIZE, MAX_SIZE)
        );
        assert!(sized(dir.path(), "none.svg", 64).unwrap().is_none());
        std::fs::write(dir.path().join("c.png"), b"not a png").unwrap();
        assert!(sized(dir.path(), "c.png", 64).is_err());
    }
}
