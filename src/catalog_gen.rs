//! The demo catalog generator (`encore generate-catalog`): plausible artists, albums and
//! songs with a realistic genre mix, release years and audio features, SVG cover art, and
//! real playable audio whose durations match the catalog. Streams its output in batches,
//! so it scales to 1M songs (audio files are shared between songs of equal length).

use std::{collections::HashSet, path::Path};

use chrono::NaiveDate;
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{audio, catalog::*, repo::Repos, Error, Result};

#[derive(Clone, Debug)]
pub struct GenOptions {
    pub artists: usize,
    pub albums: usize,
    pub songs: usize,
    /// Distinct audio files (distinct song lengths).
    pub audio_files: usize,
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            artists: 50,
            albums: 200,
            songs: 2000,
            audio_files: 24,
            seed: 42,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct GenReport {
    pub artists: usize,
    pub albums: usize,
    pub songs: usize,
    pub audio_files: usize,
    pub audio_bytes: u64,
}

/// (genre, weight, explicit probability, energy bias)
const GENRES: &[(&str, u32, f64, f32)] = &[
    ("pop", 22, 0.10, 0.65),
    ("rock", 16, 0.08, 0.75),
    ("hip-hop", 14, 0.55, 0.70),
    ("electronic", 10, 0.05, 0.80),
    ("r&b", 8, 0.25, 0.55),
    ("indie", 8, 0.06, 0.55),
    ("jazz", 4, 0.0, 0.40),
    ("classical", 3, 0.0, 0.25),
    ("country", 4, 0.03, 0.55),
    ("metal", 4, 0.15, 0.95),
    ("folk", 4, 0.01, 0.35),
    ("latin", 5, 0.10, 0.75),
    ("soul", 3, 0.04, 0.50),
    ("reggae", 2, 0.05, 0.55),
    ("blues", 2, 0.02, 0.45),
    ("ambient", 2, 0.0, 0.15),
];
/// The genres the catalog knows (the upload form offers these).
pub fn genre_names() -> Vec<String> {
    GENRES.iter().map(|g| g.0.to_string()).collect()
}

const FIRST: &[&str] = &[
    "Mara", "Jonah", "Aiko", "Luca", "Nadia", "Theo", "Sofia", "Elias", "Priya", "Omar", "Ines",
    "Felix", "Yara", "Milo", "Clara", "Kofi", "Lena", "Ravi", "Zoe", "Hugo", "Amara", "Nils",
    "Esme", "Tariq", "Juno", "Iris", "Mateo", "Freya", "Kenji", "Ada",
];
const LAST: &[&str] = &[
    "Lindqvist",
    "Okafor",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Haddad",
    "Brennan",
    "Kowalski",
    "Reyes",
    "Larsen",
    "Achebe",
    "Varga",
    "Castillo",
    "Meyer",
    "Sato",
    "Quinn",
    "Duarte",
    "Ivanova",
    "Holm",
];
const ADJ: &[&str] = &[
    "Velvet", "Electric", "Silent", "Golden", "Paper", "Neon", "Wild", "Midnight", "Crystal",
    "Hollow", "Broken", "Lucky", "Violet", "Northern", "Restless", "Static", "Gentle", "Burning",
    "Faded", "Cosmic",
];
const NOUN: &[&str] = &[
    "Foxes",
    "Tides",
    "Lanterns",
    "Engines",
    "Orchards",
    "Satellites",
    "Wolves",
    "Harbors",
    "Mirrors",
    "Comets",
    "Gardens",
    "Rivers",
    "Ghosts",
    "Pilots",
    "Sparrows",
    "Machines",
    "Echoes",
    "Parade",
    "Circuit",
    "Atlas",
];
const WORDS: &[&str] = &[
    "Love", "Night", "City", "Fire", "Summer", "Rain", "Heart", "Light", "Dream", "Road", "Ocean",
    "Gold", "Shadow", "Morning", "Dance", "Home", "Stars", "Wave", "Memory", "Silver", "Glass",
    "Storm", "Echo", "Bloom", "Signal", "Motion", "Weather", "Paradise", "Runaway", "Skyline",
];
const TITLE_PATTERNS: &[&str] = &[
    "{w}",
    "{w} {w}",
    "The {w}",
    "{w} of {w}",
    "{a} {w}",
    "{w} Again",
    "No {w}",
    "{w} in the {w}",
    "Only {w}",
    "{a} {w}s",
];
const LABELS: &[&str] = &[
    "Northbound Records",
    "Lantern Music",
    "Blue Harbor",
    "Kite Audio",
    "Paper Moon Records",
    "Meridian Sound",
    "Self-released",
    "Oak & Iron",
    "Glasshouse",
    "Tidal Works",
];
const COUNTRIES: &[&str] = &[
    "US", "GB", "SE", "DE", "FR", "JP", "BR", "NG", "KR", "CA", "AU", "MX", "NL", "ES", "IT", "IN",
    "ZA", "NO",
];
const PALETTE: &[&str] = &[
    "#6d28d9", "#db2777", "#0891b2", "#ea580c", "#16a34a", "#ca8a04", "#2563eb", "#dc2626",
    "#0f766e", "#7c3aed", "#be185d", "#4d7c0f",
];

fn pick<'a>(rng: &mut StdRng, list: &'a [&'a str]) -> &'a str {
    list[rng.gen_range(0..list.len())]
}

fn title(rng: &mut StdRng) -> String {
    let p = pick(rng, TITLE_PATTERNS);
    let mut out = String::new();
    let mut rest = p;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tag = &rest[i..i + 3];
        out.push_str(if tag == "{a}" {
            pick(rng, ADJ)
        } else {
            pick(rng, WORDS)
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

fn artist_name(rng: &mut StdRng, taken: &mut HashSet<String>) -> String {
    for attempt in 0.. {
        let base = match rng.gen_range(0..4) {
            0 => format!("{} {}", pick(rng, FIRST), pick(rng, LAST)),
            1 => format!("The {} {}", pick(rng, ADJ), pick(rng, NOUN)),
            2 => format!("{} {}", pick(rng, ADJ), pick(rng, NOUN)),
            _ => format!("{} & the {}", pick(rng, FIRST), pick(rng, NOUN)),
        };
        let name = if attempt < 5 {
            base
        } else {
            format!("{base} {}", attempt)
        };
        if taken.insert(name.to_lowercase()) {
            return name;
        }
    }
    unreachable!()
}

fn weighted_genre(rng: &mut StdRng) -> usize {
    let total: u32 = GENRES.iter().map(|g| g.1).sum();
    let mut x = rng.gen_range(0..total);
    for (i, g) in GENRES.iter().enumerate() {
        if x < g.1 {
            return i;
        }
        x -= g.1;
    }
    0
}

/// A 0..1 value around `mean` (sum of uniforms: roughly normal, clamped).
fn around(rng: &mut StdRng, mean: f32, spread: f32) -> f32 {
    let u: f32 = (0..3).map(|_| rng.gen::<f32>()).sum::<f32>() / 3.0 - 0.5;
    (mean + u * 2.0 * spread).clamp(0.0, 1.0)
}

fn features(rng: &mut StdRng, genre: usize) -> AudioFeatures {
    let energy_bias = GENRES[genre].3;
    let acoustic = matches!(
        GENRES[genre].0,
        "folk" | "classical" | "jazz" | "blues" | "ambient"
    );
    let rap = GENRES[genre].0 == "hip-hop";
    let energy = around(rng, energy_bias, 0.25);
    AudioFeatures {
        danceability: around(
            rng,
            if rap || GENRES[genre].0 == "electronic" {
                0.72
            } else {
                0.55
            },
            0.25,
        ),
        energy,
        key: rng.gen_range(0..12),
        loudness: -18.0 + energy * 14.0 + rng.gen_range(-2.0..2.0),
        mode: u8::from(rng.gen_bool(0.62)),
        speechiness: if rap {
            around(rng, 0.3, 0.2)
        } else {
            around(rng, 0.05, 0.05)
        },
        acousticness: if acoustic {
            around(rng, 0.8, 0.2)
        } else {
            around(rng, 0.2, 0.2)
        },
        instrumentalness: if matches!(
            GENRES[genre].0,
            "classical" | "ambient" | "electronic" | "jazz"
        ) {
            around(rng, 0.7, 0.3)
        } else {
            around(rng, 0.05, 0.05)
        },
        liveness: around(rng, 0.15, 0.12),
        valence: around(rng, 0.5, 0.35),
        tempo: (120.0 + (rng.gen::<f32>() + rng.gen::<f32>() - 1.0) * 45.0).clamp(60.0, 200.0),
        time_signature: if rng.gen_bool(0.9) { 4 } else { 3 },
    }
}

fn release_date(rng: &mut StdRng) -> NaiveDate {
    // Skewed towards recent years, as a streaming catalog is.
    let r: f64 = rng.gen::<f64>().powf(0.45);
    let year = 1965 + (r * 61.0) as i32;
    let day = rng.gen_range(1..=365);
    NaiveDate::from_yo_opt(year.min(2026), day)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
}

pub fn cover_svg(title: &str, artist: &str, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = pick(&mut rng, PALETTE);
    let b = pick(&mut rng, PALETTE);
    let shapes: String = (0..5)
        .map(|_| {
            format!(
                r##"<circle cx="{}" cy="{}" r="{}" fill="#fff" fill-opacity="{:.2}"/>"##,
                rng.gen_range(0..300),
                rng.gen_range(0..300),
                rng.gen_range(20..120),
                rng.gen_range(0.05..0.3)
            )
        })
        .collect();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 300" role="img" aria-label="{t} cover"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{a}"/><stop offset="1" stop-color="{b}"/></linearGradient></defs><rect width="300" height="300" fill="url(#g)"/>{shapes}<text x="20" y="250" font-family="sans-serif" font-size="22" font-weight="bold" fill="#fff">{t}</text><text x="20" y="276" font-family="sans-serif" font-size="15" fill="#fff" fill-opacity="0.85">{ar}</text></svg>"##,
        t = xml_escape(title),
        ar = xml_escape(artist),
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// Generates and stores a catalog. Refuses when songs already exist (so a second
/// `make run` never doubles the catalog). `progress(done, total)` counts songs.
pub async fn generate(
    repos: &Repos,
    data_dir: &Path,
    opts: &GenOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<GenReport> {
    if opts.artists == 0 || opts.albums < opts.artists.min(opts.albums) || opts.songs < opts.albums
    {
        return Err(Error::Internal(
            "need at least 1 artist, and songs >= albums".into(),
        ));
    }
    if repos.catalog.song_count().await? > 0 {
        return Err(Error::Conflict(
            "the catalog already has songs; generate into an empty database".into(),
        ));
    }
    let io = |e: std::io::Error| Error::Internal(format!("writing media: {e}"));
    for d in ["audio", "covers", "images"] {
        std::fs::create_dir_all(data_dir.join(d)).map_err(io)?;
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut report = GenReport::default();

    // 1. Audio: one file per distinct length, 1:35 to 6:40.
    let k = opts.audio_files.max(1);
    let mut files: Vec<(u64, AudioFile)> = Vec::with_capacity(k);
    for i in 0..k {
        let dur = 95_000 + (i as u64 * 305_000) / k as u64 + rng.gen_range(0..5_000);
        let seed = opts.seed.wrapping_mul(1000).wrapping_add(i as u64);
        let wav = tokio::task::spawn_blocking(move || audio::synth_wav(dur, seed))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        let hash = hex(&Sha256::digest(&wav));
        let name = format!("{hash}.wav");
        let path = data_dir.join("audio").join(&name);
        if !path.exists() {
            write_atomic(&path, &wav).map_err(io)?;
        }
        report.audio_bytes += wav.len() as u64;
        let exact = audio::wav_duration_ms(&wav).unwrap_or(dur);
        files.push((
            exact,
            AudioFile {
                file: name,
                mime: "audio/wav".into(),
                bitrate: i64::from(audio::SAMPLE_RATE) * 8,
                sample_rate: i64::from(audio::SAMPLE_RATE),
                size: wav.len() as i64,
            },
        ));
    }
    report.audio_files = files.len();

    // 2. Artists, with Zipf-like popularity by rank.
    let mut taken = HashSet::new();
    let mut artists = Vec::with_capacity(opts.artists);
    let mut artist_genre = Vec::with_capacity(opts.artists);
    for rank in 0..opts.artists {
        let name = artist_name(&mut rng, &mut taken);
        let g = weighted_genre(&mut rng);
        let mut genres = vec![GENRES[g].0.to_string()];
        if rng.gen_bool(0.4) {
            let g2 = GENRES[weighted_genre(&mut rng)].0.to_string();
            if !genres.contains(&g2) {
                genres.push(g2);
            }
        }
        let id = Uuid::new_v4();
        let image = format!("/media/images/{id}.svg");
        std::fs::write(
            data_dir.join("images").join(format!("{id}.svg")),
            cover_svg(&name, GENRES[g].0, rng.gen()),
        )
        .map_err(io)?;
        let popularity = (100.0 / ((rank + 1) as f64).powf(0.35)).round() as u32;
        let country = pick(&mut rng, COUNTRIES).to_string();
        artists.push(Artist {
            id,
            sort_name: sort_name(&name),
            bio: format!("{name} make {} music from {country}.", genres.join(" and ")),
            name,
            country,
            genres,
            image: Some(image),
            verified: rank < opts.artists / 5 + 1,
            links: vec![],
            popularity: popularity.min(100),
        });
        artist_genre.push(g);
    }
    for chunk in artists.chunks(1000) {
        repos.catalog.insert_artists(chunk).await?;
    }
    report.artists = artists.len();

    // 3. Albums and their songs, streamed in batches.
    let mut album_artist: Vec<usize> = (0..opts.albums)
        .map(|i| {
            if i < opts.artists {
                i
            } else {
                zipf_index(&mut rng, opts.artists)
            }
        })
        .collect();
    album_artist.shuffle(&mut rng);
    let mut track_counts: Vec<usize> = Vec::with_capacity(opts.albums);
    let mut types = Vec::with_capacity(opts.albums);
    for _ in 0..opts.albums {
        let (t, n) = match rng.gen_range(0..10) {
            0..=5 => (AlbumType::Album, rng.gen_range(8..=14)),
            6..=7 => (AlbumType::Ep, rng.gen_range(4..=6)),
            _ => (AlbumType::Single, rng.gen_range(1..=2)),
        };
        types.push(t);
        track_counts.push(n);
    }
    balance(&mut track_counts, &types, opts.songs, &mut rng);

    let total = opts.songs as u64;
    let mut done = 0u64;
    let mut album_batch = Vec::new();
    let mut song_batch: Vec<(Song, Option<String>)> = Vec::new();
    // The home page's charts, kept as we go (reading a large catalog back to find them
    // would be whole-collection work on the database).
    let mut newest: Vec<Album> = vec![];
    let mut popular: Vec<(u32, SongRow)> = vec![];
    let mut genre_counts: std::collections::HashMap<String, u64> = Default::default();
    for (i, &ai) in album_artist.iter().enumerate() {
        let artist = &artists[ai];
        let g = artist_genre[ai];
        let album_id = Uuid::new_v4();
        let album_title = title(&mut rng);
        let cover = format!("/media/covers/{album_id}.svg");
        std::fs::write(
            data_dir.join("covers").join(format!("{album_id}.svg")),
            cover_svg(&album_title, &artist.name, rng.gen()),
        )
        .map_err(io)?;
        let date = release_date(&mut rng);
        let album_pop = (artist.popularity as f64 * rng.gen_range(0.6..1.0)) as u32;
        let mut duration = 0u64;
        for t in 0..track_counts[i] {
            let (dur, file) = files[rng.gen_range(0..files.len())].clone();
            duration += dur;
            let mut credits = vec![ArtistCredit {
                id: artist.id,
                name: artist.name.clone(),
                role: ArtistRole::Primary,
            }];
            if artists.len() > 1 && rng.gen_bool(0.1) {
                let other = &artists[rng.gen_range(0..artists.len())];
                if other.id != artist.id {
                    credits.push(ArtistCredit {
                        id: other.id,
                        name: other.name.clone(),
                        role: ArtistRole::Featured,
                    });
                }
            }
            let song_title = if track_counts[i] == 1 {
                album_title.clone()
            } else {
                title(&mut rng)
            };
            let song = Song {
                id: Uuid::new_v4(),
                title: song_title,
                artists: credits,
                album_id,
                album_title: album_title.clone(),
                track_number: t as u32 + 1,
                disc_number: 1,
                duration_ms: dur,
                genres: artist.genres.clone(),
                explicit: rng.gen_bool(GENRES[g].2),
                isrc: Some(format!(
                    "{}{}{:02}{:05}",
                    artist.country,
                    ["ENC", "XQ7", "A1B"][rng.gen_range(0..3)],
                    chrono::Datelike::year(&date) % 100,
                    rng.gen_range(0..100_000)
                )),
                popularity: (album_pop as f64 * rng.gen_range(0.5..1.0)
                    + if t < 2 { 5.0 } else { 0.0 })
                .min(100.0) as u32,
                features: features(&mut rng, g),
                audio: Some(file),
                status: SongStatus::Published,
                play_count: 0,
                like_count: 0,
            };
            song_batch.push((song, Some(cover.clone())));
        }
        album_batch.push(Album {
            id: album_id,
            title: album_title,
            artist_ids: vec![artist.id],
            artist_names: vec![artist.name.clone()],
            album_type: types[i],
            release_date: date,
            label: pick(&mut rng, LABELS).to_string(),
            genres: artist.genres.clone(),
            cover: Some(cover),
            track_count: track_counts[i] as u32,
            duration_ms: duration,
            popularity: album_pop,
        });
        if song_batch.len() >= 1000 || i + 1 == album_artist.len() {
            // Albums first: a song never points at an album that is not there yet.
            repos.catalog.insert_albums(&album_batch).await?;
            repos.catalog.insert_songs(&song_batch).await?;
            newest.extend(album_batch.iter().cloned());
            newest.sort_by(|a, b| b.release_date.cmp(&a.release_date));
            newest.truncate(12);
            for (song, cover) in &song_batch {
                popular.push((song.popularity, song.row(cover.clone())));
                for g in &song.genres {
                    *genre_counts.entry(g.clone()).or_default() += 1;
                }
            }
            popular.sort_by(|a, b| b.0.cmp(&a.0));
            popular.truncate(20);
            report.albums += album_batch.len();
            report.songs += song_batch.len();
            done += song_batch.len() as u64;
            progress(done, total);
            album_batch.clear();
            song_batch.clear();
        }
    }
    let mut genres: Vec<GenreCount> = genre_counts
        .into_iter()
        .map(|(genre, songs)| GenreCount { genre, songs })
        .collect();
    genres.sort_by(|a, b| b.songs.cmp(&a.songs).then_with(|| a.genre.cmp(&b.genre)));
    repos
        .catalog
        .save_charts(&HomeCatalog {
            new_releases: newest,
            popular: popular.into_iter().map(|(_, r)| r).collect(),
            genres,
        })
        .await?;
    Ok(report)
}

/// An index in 0..n, small indices more likely (popular artists release more).
fn zipf_index(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((u.powf(2.2)) * n as f64) as usize % n
}

/// Adjusts track counts so they sum to `target`, keeping singles at 1–2 tracks.
fn balance(counts: &mut [usize], types: &[AlbumType], target: usize, rng: &mut StdRng) {
    let mut sum: usize = counts.iter().sum();
    let n = counts.len();
    while sum != target {
        let i = rng.gen_range(0..n);
        if sum < target {
            if types[i] != AlbumType::Single || counts[i] < 2 {
                counts[i] += 1;
                sum += 1;
            } else if types.iter().all(|t| *t == AlbumType::Single) {
                counts[i] += 1;
                sum += 1;
            }
        } else if counts[i] > 1 {
            counts[i] -= 1;
            sum -= 1;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_hits_the_target_exactly() {
        let mut rng = StdRng::seed_from_u64(1);
        let types = vec![
            AlbumType::Album,
            AlbumType::Single,
            AlbumType::Ep,
            AlbumType::Album,
        ];
        for target in [4, 17, 60] {
            let mut counts = vec![10, 1, 5, 9];
            balance(&mut counts, &types, target, &mut rng);
            assert_eq!(counts.iter().sum::<usize>(), target);
            assert!(counts.iter().all(|&c| c >= 1));
        }
    }

    #[test]
    fn sort_names_move_articles() {
        assert_eq!(sort_name("The Velvet Foxes"), "Velvet Foxes, The");
        assert_eq!(sort_initial("Velvet Foxes, The"), "V");
        assert_eq!(sort_initial("99 Echoes"), "#");
    }
}
