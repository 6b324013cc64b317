//! Synthesised demo audio: a short pentatonic melody over a bass line, written as an
//! 8-bit mono PCM WAV (small, and every browser plays it). The demo catalog's songs point
//! at these files, so what plays is real audio whose length matches the catalog.

use rand::{rngs::StdRng, Rng, SeedableRng};

pub const SAMPLE_RATE: u32 = 11_025;

/// A WAV of exactly `duration_ms` (rounded to whole samples).
pub fn synth_wav(duration_ms: u64, seed: u64) -> Vec<u8> {
    let n = (duration_ms * u64::from(SAMPLE_RATE) / 1000) as usize;
    let mut rng = StdRng::seed_from_u64(seed);
    let root = 110.0 * 2f32.powf(rng.gen_range(0..12) as f32 / 12.0);
    let scale = [0, 2, 4, 7, 9, 12, 14, 16];
    let tempo = rng.gen_range(80.0..150.0_f32);
    let beat = (60.0 / tempo * SAMPLE_RATE as f32) as usize;
    let motif: Vec<usize> = (0..8).map(|_| rng.gen_range(0..scale.len())).collect();
    let mut data = Vec::with_capacity(n);
    let sr = SAMPLE_RATE as f32;
    for i in 0..n {
        let b = i / beat;
        let t_in = (i % beat) as f32 / sr;
        // Vary the motif every 8 bars so it is not one loop.
        let step = motif[(b + (b / 32)) % motif.len()];
        let f = root * 2f32.powf((scale[step] + 12) as f32 / 12.0);
        let melody = (2.0 * std::f32::consts::PI * f * t_in).sin() * (-t_in * 5.0).exp();
        let bar_t = (i % (beat * 4)) as f32 / sr;
        let bass = (2.0 * std::f32::consts::PI * root * 0.5 * bar_t).sin() * (-bar_t * 1.2).exp();
        let fade = ((i as f32 / sr).min((n - i) as f32 / sr) / 1.5).min(1.0);
        let v = (0.45 * melody + 0.35 * bass) * fade;
        data.push((128.0 + v * 120.0).clamp(0.0, 255.0) as u8);
    }
    wav_u8(&data)
}

fn wav_u8(samples: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(44 + samples.len());
    let data_len = samples.len() as u32;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // byte rate (1 byte per sample)
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(samples);
    out
}

/// Duration of a PCM WAV from its header, in ms.
pub fn wav_duration_ms(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 44 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let byte_rate = u32::from_le_bytes(bytes[28..32].try_into().ok()?) as u64;
    let data_len = u32::from_le_bytes(bytes[40..44].try_into().ok()?) as u64;
    (byte_rate > 0).then(|| data_len * 1000 / byte_rate)
}

/// A 16-bit stereo WAV at 44.1 kHz (CD audio, 1,411 kbit/s): two sines, `secs` long.
/// What an artist's lossless upload looks like to the audio-quality code and its tests.
pub fn cd_quality_wav(secs: u32) -> Vec<u8> {
    let rate = 44_100u32;
    let n = rate * secs;
    let mut out = Vec::with_capacity(44 + n as usize * 4);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + n * 4).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&2u16.to_le_bytes()); // stereo
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 4).to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(n * 4).to_le_bytes());
    for i in 0..n {
        let t = i as f32 / rate as f32;
        for f in [440.0f32, 660.0] {
            let v = (t * f * std::f32::consts::TAU).sin() * 0.4;
            out.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wav_is_as_long_as_asked() {
        let w = super::synth_wav(2_000, 7);
        assert_eq!(super::wav_duration_ms(&w), Some(2_000));
        assert_eq!(w.len(), 44 + 2 * super::SAMPLE_RATE as usize);
        // Not silence (past the 1.5 s fade-in).
        let long = super::synth_wav(6_000, 7);
        assert!(long[44..].iter().any(|&b| (b as i32 - 128).abs() > 40));
    }
}
