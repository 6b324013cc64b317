//! Receiving uploaded files: streamed to a temporary file under the data dir while being
//! hashed and size-checked, probed by content (symphonia demuxes every packet and decodes
//! them, lofty reads the tags, the image crate decodes covers), and only then moved to their
//! content-addressed name. A temporary file is deleted when it is dropped, so an upload
//! that is interrupted or refused leaves nothing behind; `sweep_temp` removes what a
//! crashed process left.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use crate::{Error, Result};

/// A demuxer for an audio file, the container guessed from its content with `ext` as a
/// hint; `None` when no container is recognised.
pub fn open_audio(
    path: &Path,
    ext: &str,
) -> std::io::Result<Option<Box<dyn symphonia::core::formats::FormatReader>>> {
    use symphonia::core::{
        formats::FormatOptions, io::MediaSourceStream, meta::MetadataOptions, probe::Hint,
    };
    let file = std::fs::File::open(path)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(ext);
    Ok(symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .ok()
        .map(|p| p.format))
}

/// Audio formats accepted, by container and codec (the browser must play them too).
pub const ALLOWED_AUDIO: &str = "MP3, FLAC, Ogg Vorbis or WAV (PCM)";
pub const MAX_COVER_BYTES: u64 = 5 * 1024 * 1024;
/// Songs are at least a second and at most six hours long.
const MIN_MS: u64 = 1_000;
const MAX_MS: u64 = 6 * 3600 * 1000;

fn bad(field: &str, msg: impl Into<String>) -> Error {
    Error::Invalid(crate::FieldErrors::single(field, msg))
}

/// A file received in full: still temporary until [`Received::keep_as`].
#[derive(Debug)]
pub struct Received {
    tmp: NamedTempFile,
    pub sha256: String,
    pub size: u64,
    /// The name the client gave (shown back to the user, never used as a path).
    pub original_name: String,
}

impl Received {
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Moves the file to `<dir>/<sha256>.<ext>` (content-addressed: an identical file
    /// already there is kept and this copy dropped). Returns the file name.
    pub fn keep_as(self, dir: &Path, ext: &str) -> Result<String> {
        let name = format!("{}.{ext}", self.sha256);
        let target = dir.join(&name);
        if !target.exists() {
            std::fs::create_dir_all(dir).map_err(|e| Error::Internal(e.to_string()))?;
            self.tmp
                .persist(&target)
                .map_err(|e| Error::Internal(format!("keeping upload: {e}")))?;
        }
        Ok(name)
    }
}

/// The temporary directory uploads stream into (same filesystem as the data, so keeping a
/// file is a rename).
pub fn temp_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("uploads").join("tmp")
}

/// Streams one file to a temporary file, hashing as it goes. Stops at `max` bytes with a
/// clear message; a broken stream (client gone) is an error too. Either way the partial
/// file is deleted.
pub async fn receive<S, E>(
    dir: &Path,
    mut body: S,
    max: u64,
    original_name: &str,
) -> Result<Received>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    let tmp = tempfile::Builder::new()
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut out =
        tokio::fs::File::from_std(tmp.reopen().map_err(|e| Error::Internal(e.to_string()))?);
    let mut hash = Sha256::new();
    let mut size = 0u64;
    let name = display_name(original_name);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            bad(
                "file",
                format!("The upload of {name} was interrupted ({e}); nothing was kept."),
            )
        })?;
        size += chunk.len() as u64;
        if size > max {
            return Err(bad(
                "file",
                format!("{name} is larger than the {} limit.", human_size(max)),
            ));
        }
        hash.update(&chunk);
        out.write_all(&chunk)
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    if size == 0 {
        return Err(bad("file", format!("{name} is empty.")));
    }
    out.flush()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Received {
        tmp,
        sha256: hex(&hash.finalize()),
        size,
        original_name: name,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A client-supplied file name, trimmed to something safe to show.
pub fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "the file".into()
    } else {
        clean
    }
}

pub fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{} MB", n / (1024 * 1024))
    } else {
        format!("{} KB", n.div_ceil(1024))
    }
}

/// Deletes temporary files older than an hour (left by a crashed process; a live upload
/// on another instance sharing the data dir is younger than that).
pub fn sweep_temp(data_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(temp_dir(data_dir)) else {
        return 0;
    };
    let cutoff = SystemTime::now() - Duration::from_secs(3600);
    let mut n = 0;
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t < cutoff)
            .unwrap_or(false);
        if old && std::fs::remove_file(e.path()).is_ok() {
            n += 1;
        }
    }
    n
}

/// Tags read from the file (all optional).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub track: Option<u32>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub isrc: Option<String>,
}

/// What probing found out about an audio file.
#[derive(Clone, Debug, PartialEq)]
pub struct Probed {
    /// wav, mp3, flac or ogg: the stored file's extension.
    pub ext: &'static str,
    pub mime: &'static str,
    /// pcm, mp3, flac or vorbis.
    pub codec: &'static str,
    pub sample_rate: u32,
    pub channels: u32,
    pub duration_ms: u64,
    /// Average, from size and duration (bits per second).
    pub bitrate: u64,
    pub tags: Tags,
}

/// The container, from the file's first bytes (never from its name).
fn sniff(head: &[u8]) -> Option<(&'static str, &'static str)> {
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        Some(("wav", "audio/wav"))
    } else if head.starts_with(b"fLaC") {
        Some(("flac", "audio/flac"))
    } else if head.starts_with(b"OggS") {
        Some(("ogg", "audio/ogg"))
    } else if head.starts_with(b"ID3")
        || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
    {
        Some(("mp3", "audio/mpeg"))
    } else {
        None
    }
}

/// Probes an audio file by content: container and codec allowed, every packet demuxed and
/// decoded (a truncated or corrupt file is refused), duration measured, tags read.
/// Blocking; run it on a blocking thread.
pub fn probe_audio(path: &Path, name: &str) -> Result<Probed> {
    use symphonia::core::{
        audio::Channels,
        codecs::{
            DecoderOptions, CODEC_TYPE_FLAC, CODEC_TYPE_MP3, CODEC_TYPE_NULL, CODEC_TYPE_VORBIS,
        },
        errors::Error as SymErr,
    };
    let unreadable = || {
        bad(
            "file",
            format!("{name} is not an audio file we can read. Upload {ALLOWED_AUDIO}."),
        )
    };
    let mut head = [0u8; 12];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(path).map_err(|e| Error::Internal(e.to_string()))?;
        let n = f
            .read(&mut head)
            .map_err(|e| Error::Internal(e.to_string()))?;
        if n < 4 {
            return Err(unreadable());
        }
    }
    let (ext, mime) = sniff(&head).ok_or_else(unreadable)?;
    let mut format = open_audio(path, ext)
        .map_err(|e| Error::Internal(e.to_string()))?
        .ok_or_else(unreadable)?;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(unreadable)?
        .clone();
    let params = &track.codec_params;
    let codec = match (ext, params.codec) {
        ("mp3", CODEC_TYPE_MP3) => "mp3",
        ("flac", CODEC_TYPE_FLAC) => "flac",
        ("ogg", CODEC_TYPE_VORBIS) => "vorbis",
        ("wav", c) if is_pcm(c) => "pcm",
        _ => {
            return Err(bad(
                "file",
                format!("{name} uses an audio codec we do not accept. Upload {ALLOWED_AUDIO}."),
            ))
        }
    };
    let sample_rate = params.sample_rate.ok_or_else(unreadable)?;
    if !(8_000..=192_000).contains(&sample_rate) {
        return Err(bad(
            "file",
            format!("{name} has an unusual sample rate ({sample_rate} Hz)."),
        ));
    }
    let channels = params.channels.map(Channels::count).unwrap_or(0) as u32;
    let declared = params.n_frames;
    let mut decoder = symphonia::default::get_codecs()
        .make(params, &DecoderOptions::default())
        .map_err(|_| {
            bad(
                "file",
                format!("{name} uses an audio codec we do not accept. Upload {ALLOWED_AUDIO}."),
            )
        })?;
    let (mut frames, mut packets, mut broken) = (0u64, 0u64, 0u64);
    let mut truncated = false;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymErr::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymErr::ResetRequired) => break,
            Err(SymErr::DecodeError(_)) | Err(SymErr::IoError(_)) => {
                truncated = true;
                break;
            }
            Err(_) => return Err(unreadable()),
        };
        if packet.track_id() != track.id {
            continue;
        }
        packets += 1;
        match decoder.decode(&packet) {
            Ok(buf) => frames += buf.frames() as u64,
            Err(SymErr::DecodeError(_)) => broken += 1,
            Err(_) => return Err(unreadable()),
        }
    }
    if packets == 0 || frames == 0 {
        return Err(bad("file", format!("{name} contains no audio.")));
    }
    if broken * 50 > packets {
        return Err(bad(
            "file",
            format!("{name} is damaged: {broken} of {packets} audio frames do not decode."),
        ));
    }
    let duration_ms = frames * 1000 / u64::from(sample_rate);
    if let Some(declared) = declared {
        // A header promising more than the file holds: cut off in transfer or on disk.
        if truncated || frames * 100 < declared * 98 {
            return Err(bad(
                "file",
                format!(
                    "{name} is truncated: it stops at {} of {}.",
                    crate::catalog::format_duration(duration_ms),
                    crate::catalog::format_duration(declared * 1000 / u64::from(sample_rate)),
                ),
            ));
        }
    } else if truncated {
        return Err(bad("file", format!("{name} is truncated.")));
    }
    if duration_ms < MIN_MS {
        return Err(bad("file", format!("{name} is shorter than a second.")));
    }
    if duration_ms > MAX_MS {
        return Err(bad("file", format!("{name} is longer than six hours.")));
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    Ok(Probed {
        ext,
        mime,
        codec,
        sample_rate,
        channels,
        duration_ms,
        bitrate: size * 8 * 1000 / duration_ms.max(1),
        tags: read_tags(path),
    })
}

fn is_pcm(c: symphonia::core::codecs::CodecType) -> bool {
    use symphonia::core::codecs::*;
    [
        CODEC_TYPE_PCM_U8,
        CODEC_TYPE_PCM_S8,
        CODEC_TYPE_PCM_S16LE,
        CODEC_TYPE_PCM_S24LE,
        CODEC_TYPE_PCM_S32LE,
        CODEC_TYPE_PCM_F32LE,
        CODEC_TYPE_PCM_F64LE,
    ]
    .contains(&c)
}

/// Tags through lofty; a file without (readable) tags simply has none.
fn read_tags(path: &Path) -> Tags {
    use lofty::prelude::*;
    let tagged = lofty::probe::Probe::open(path)
        .ok()
        .and_then(|p| p.guess_file_type().ok())
        .and_then(|p| p.read().ok());
    let Some(tagged) = tagged else {
        return Tags::default();
    };
    let Some(tag) = tagged.primary_tag().or_else(|| tagged.first_tag()) else {
        return Tags::default();
    };
    let s = |v: Option<std::borrow::Cow<'_, str>>| {
        v.map(|v| v.trim().chars().take(200).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    Tags {
        title: s(tag.title()),
        artist: s(tag.artist()),
        album: s(tag.album()),
        track: tag.track(),
        year: tag.date().map(|d| i32::from(d.year)),
        genre: s(tag.genre()),
        isrc: tag
            .get_string(ItemKey::Isrc)
            .map(|v| v.replace('-', "").trim().to_uppercase())
            .filter(|v| !v.is_empty()),
    }
}

/// Checks a cover image by content: PNG, JPEG or WebP that decodes in full, 100 to
/// 5,000 pixels a side. Returns the extension to store it under. Blocking.
pub fn check_cover(path: &Path, name: &str) -> Result<&'static str> {
    check_image(path, name, "cover", "covers")
}

/// An image checked like a cover; `field` names the form field, `what` the kind in messages.
pub fn check_image(path: &Path, name: &str, field: &str, what: &str) -> Result<&'static str> {
    use image::ImageFormat;
    let refuse = || bad(field, format!("{name} is not a PNG, JPEG or WebP image."));
    let reader = image::ImageReader::open(path)
        .map_err(|e| Error::Internal(e.to_string()))?
        .with_guessed_format()
        .map_err(|_| refuse())?;
    let ext = match reader.format() {
        Some(ImageFormat::Png) => "png",
        Some(ImageFormat::Jpeg) => "jpg",
        Some(ImageFormat::WebP) => "webp",
        _ => return Err(refuse()),
    };
    let (w, h) = reader.into_dimensions().map_err(|_| refuse())?;
    if !(100..=5000).contains(&w) || !(100..=5000).contains(&h) {
        return Err(bad(
            field,
            format!("{name} is {w}×{h} pixels; {what} are 100 to 5,000 pixels a side."),
        ));
    }
    // Dimensions are in the header; decoding proves the rest of the file is there.
    image::ImageReader::open(path)
        .map_err(|e| Error::Internal(e.to_string()))?
        .with_guessed_format()
        .map_err(|_| refuse())?
        .decode()
        .map_err(|_| bad(field, format!("{name} is damaged or cut off.")))?;
    Ok(ext)
}

/// `<64 hex>.<png|jpg|webp>`: uploaded cover and artist image names the media route opens.
pub fn is_safe_cover_name(name: &str) -> bool {
    crate::repo::catalog::is_hash_name(name, &["png", "jpg", "webp"])
}

pub fn cover_mime(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/svg+xml",
    }
}
