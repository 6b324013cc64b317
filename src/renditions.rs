//! Audio quality by plan. Each plan names a quality (low / normal / high / lossless);
//! a stream sends the stored file when it is already at or under that quality's bitrate
//! (or the plan is lossless), else an Ogg Vorbis rendition at that average bitrate,
//! encoded once (symphonia decodes, libvorbis through `vorbis_rs` encodes) and kept under
//! `<data dir>/audio/q/<quality>/<content hash>.ogg`. Names come from the catalog's
//! checked file names, never from a request.

use std::{
    num::NonZero,
    path::{Path, PathBuf},
    sync::Mutex,
};

use symphonia::core::{audio::SampleBuffer, codecs::DecoderOptions, errors::Error as DecodeError};
use vorbis_rs::{VorbisBitrateManagementStrategy, VorbisEncoderBuilder};

use crate::{
    catalog::AudioFile,
    error::{Error, Result},
    model::SessionUser,
    repo::{catalog::is_safe_media_name, Repos},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    Low,
    Normal,
    High,
    Lossless,
}

impl Quality {
    /// A plan's stored quality (the schema allows only these four).
    pub fn parse(s: &str) -> Quality {
        match s {
            "low" => Quality::Low,
            "high" => Quality::High,
            "lossless" => Quality::Lossless,
            _ => Quality::Normal,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Low => "low",
            Quality::Normal => "normal",
            Quality::High => "high",
            Quality::Lossless => "lossless",
        }
    }

    /// The rendition's average bitrate in bits/s; `None`: the file as stored.
    pub fn bitrate(self) -> Option<u32> {
        match self {
            Quality::Low => Some(96_000),
            Quality::Normal => Some(160_000),
            Quality::High => Some(320_000),
            Quality::Lossless => None,
        }
    }

    /// The best quality an app's `maxBitRate` (kbit/s; 0 = no limit) allows.
    pub fn for_max_kbps(kbps: u32) -> Quality {
        match kbps {
            0 => Quality::Lossless,
            k if k >= 320 => Quality::High,
            k if k >= 160 => Quality::Normal,
            _ => Quality::Low,
        }
    }
}

/// The file to send and its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub path: PathBuf,
    pub mime: String,
}

/// What `user` hears of `audio`: their plan's quality, lowered to `cap` (an app's
/// `maxBitRate`) when one is given.
pub async fn for_user(
    repos: &Repos,
    user: &SessionUser,
    audio_dir: &Path,
    audio: &AudioFile,
    cap: Option<Quality>,
) -> Result<Chosen> {
    // Under the lowest bitrate (the demo audio): every plan gets the stored file, so a
    // stream's range requests skip the plan lookup.
    if (1..=i64::from(Quality::Low.bitrate().unwrap_or(0))).contains(&audio.bitrate) {
        return choose(audio_dir, audio, Quality::Low);
    }
    let plan = crate::service::billing::my_plan(repos, user).await?;
    let mut quality = Quality::parse(&plan.plan.audio_quality);
    if let Some(cap) = cap {
        quality = quality.min(cap);
    }
    let (dir, audio) = (audio_dir.to_path_buf(), audio.clone());
    tokio::task::spawn_blocking(move || choose(&dir, &audio, quality))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

/// One encode at a time per process: a first play of a long song takes seconds of CPU,
/// and two listeners starting the same song must not encode it twice.
static ENCODING: Mutex<()> = Mutex::new(());

/// The stored file or its rendition at `quality` (made now if missing).
pub fn choose(audio_dir: &Path, audio: &AudioFile, quality: Quality) -> Result<Chosen> {
    if !is_safe_media_name(&audio.file) {
        return Err(Error::NotFound);
    }
    let stored = Chosen {
        path: audio_dir.join(&audio.file),
        mime: audio.mime.clone(),
    };
    let Some(bitrate) = quality.bitrate() else {
        return Ok(stored);
    };
    if audio.bitrate > 0 && audio.bitrate <= i64::from(bitrate) {
        return Ok(stored);
    }
    let stem = audio.file.split_once('.').map_or("", |(s, _)| s);
    let dir = audio_dir.join("q").join(quality.as_str());
    let out = dir.join(format!("{stem}.ogg"));
    let chosen = Chosen {
        path: out.clone(),
        mime: "audio/ogg".into(),
    };
    if out.exists() {
        return Ok(chosen);
    }
    let _one = ENCODING.lock().unwrap_or_else(|p| p.into_inner());
    if out.exists() {
        return Ok(chosen);
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    let started = std::time::Instant::now();
    encode(&stored.path, &dir, &out, bitrate)?;
    tracing::info!(file = %audio.file, quality = quality.as_str(), ms = started.elapsed().as_millis() as u64, "audio rendition made");
    Ok(chosen)
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("audio rendition: {e}"))
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("audio rendition: {e}"))
}

/// Decodes `input` packet by packet into an Ogg Vorbis file at `bitrate` (average),
/// written to a temporary file in `dir` and renamed to `out` when complete.
fn encode(input: &Path, dir: &Path, out: &Path, bitrate: u32) -> Result<()> {
    let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mut format = crate::upload::open_audio(input, ext)
        .map_err(io)?
        .ok_or_else(|| bad("not an audio file we can read"))?;
    let track = format
        .default_track()
        .ok_or_else(|| bad("no audio track"))?;
    let track_id = track.id;
    let params = track.codec_params.clone();
    let rate = params
        .sample_rate
        .and_then(NonZero::new)
        .ok_or_else(|| bad("no sample rate"))?;
    let channels = params.channels.map_or(0, |c| c.count());
    let channels_nz = u8::try_from(channels)
        .ok()
        .and_then(NonZero::new)
        .ok_or_else(|| bad("no channels"))?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(bad)?;
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    {
        let mut sink = std::io::BufWriter::new(tmp.as_file());
        let mut enc = VorbisEncoderBuilder::new(rate, channels_nz, &mut sink)
            .map_err(bad)?
            .bitrate_management_strategy(VorbisBitrateManagementStrategy::Abr {
                average_bitrate: NonZero::new(bitrate).ok_or_else(|| bad("bitrate"))?,
            })
            .build()
            .map_err(bad)?;
        let mut buf: Option<SampleBuffer<f32>> = None;
        loop {
            let packet = match format.next_packet() {
                Ok(p) => p,
                Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    break
                }
                Err(DecodeError::ResetRequired) => break,
                Err(e) => return Err(bad(e)),
            };
            if packet.track_id() != track_id {
                continue;
            }
            let decoded = match decoder.decode(&packet) {
                Ok(d) => d,
                // A damaged packet is skipped, as players do.
                Err(DecodeError::DecodeError(_)) => continue,
                Err(e) => return Err(bad(e)),
            };
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            let spec = *decoded.spec();
            let b = match &mut buf {
                Some(b) if b.capacity() >= frames * channels => b,
                _ => buf.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
            };
            b.copy_planar_ref(decoded);
            let samples = b.samples();
            let block: Vec<&[f32]> = (0..channels)
                .map(|c| &samples[c * frames..(c + 1) * frames])
                .collect();
            enc.encode_audio_block(&block).map_err(bad)?;
        }
        enc.finish().map_err(bad)?;
        std::io::Write::flush(&mut sink).map_err(io)?;
    }
    tmp.persist(out).map_err(|e| io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::cd_quality_wav as wav;

    /// Sample rate, channels and length (s) of an audio file, read back with symphonia.
    fn probe(path: &Path) -> (u32, usize, f64) {
        let mut format = crate::upload::open_audio(path, "ogg").unwrap().unwrap();
        let track = format.default_track().unwrap();
        let (id, params) = (track.id, track.codec_params.clone());
        let mut dec = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .unwrap();
        let mut frames = 0usize;
        while let Ok(p) = format.next_packet() {
            if p.track_id() == id {
                frames += dec.decode(&p).unwrap().frames();
            }
        }
        let rate = params.sample_rate.unwrap();
        (
            rate,
            params.channels.unwrap().count(),
            frames as f64 / f64::from(rate),
        )
    }

    fn stored(dir: &Path, bytes: &[u8], bitrate: i64) -> AudioFile {
        let name = format!("{}.wav", "ab".repeat(32));
        std::fs::write(dir.join(&name), bytes).unwrap();
        AudioFile {
            file: name,
            mime: "audio/wav".into(),
            bitrate,
            sample_rate: 44_100,
            size: bytes.len() as i64,
        }
    }

    #[test]
    fn lower_plans_get_a_vorbis_rendition_at_their_bitrate_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = wav(4);
        let audio = stored(dir.path(), &bytes, 1_411_200);
        let low = choose(dir.path(), &audio, Quality::Normal).unwrap();
        assert_eq!(low.mime, "audio/ogg");
        assert!(low.path.starts_with(dir.path().join("q").join("normal")));
        let (rate, channels, secs) = probe(&low.path);
        assert_eq!((rate, channels), (44_100, 2));
        assert!((secs - 4.0).abs() < 0.05, "{secs} s");
        // About 160 kbit/s for 4 s (VBR around the average), far under the stored file.
        let size = std::fs::metadata(&low.path).unwrap().len();
        assert!((40_000..=160_000).contains(&size), "{size} bytes");
        let high = choose(dir.path(), &audio, Quality::High).unwrap();
        assert!(std::fs::metadata(&high.path).unwrap().len() > size);
        // Made once: a second call finds the file and does not write it again.
        let made = std::fs::metadata(&low.path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(choose(dir.path(), &audio, Quality::Normal).unwrap(), low);
        assert_eq!(
            std::fs::metadata(&low.path).unwrap().modified().unwrap(),
            made
        );
        // Lossless plans get the file as stored.
        let as_stored = choose(dir.path(), &audio, Quality::Lossless).unwrap();
        assert_eq!(as_stored.path, dir.path().join(&audio.file));
        assert_eq!(as_stored.mime, "audio/wav");
    }

    #[test]
    fn files_already_under_the_bitrate_are_sent_as_stored_and_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        // The demo catalog's audio: 88 kbit/s, under every quality.
        let audio = stored(dir.path(), &wav(1), 88_200);
        for q in [Quality::Low, Quality::Normal, Quality::High] {
            assert_eq!(
                choose(dir.path(), &audio, q).unwrap().path,
                dir.path().join(&audio.file)
            );
        }
        assert!(!dir.path().join("q").exists());
        let evil = AudioFile {
            file: "../../etc/passwd".into(),
            ..audio
        };
        assert!(matches!(
            choose(dir.path(), &evil, Quality::Low),
            Err(Error::NotFound)
        ));
        assert_eq!(Quality::for_max_kbps(0), Quality::Lossless);
        assert_eq!(Quality::for_max_kbps(192), Quality::Normal);
        assert_eq!(Quality::for_max_kbps(64), Quality::Low);
        assert_eq!(Quality::parse("high").min(Quality::Normal), Quality::Normal);
    }

    #[test]
    fn a_broken_file_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let audio = stored(dir.path(), b"RIFF\x10\x00\x00\x00WAVEjunk", 1_411_200);
        assert!(choose(dir.path(), &audio, Quality::Low).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path().join("q").join("low"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
