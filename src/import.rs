//! Reading listening-history files: Spotify's extended streaming history
//! (`Streaming_History_Audio_*.json`, older `endsong_*.json`), the basic
//! `StreamingHistory_music_*.json`, a zip of any of them, and the CSV of seed 003. The
//! whole file is read and checked before anything is stored, so a bad file leaves nothing
//! half-imported; single bad records are reported with their numbers and left out.

use std::io::{Cursor, Read};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// What kind of play a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Music,
    Podcast,
    Audiobook,
}

/// One play, as read from a file (1-based `n` across the whole upload).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub n: u64,
    /// When the play ended (Spotify's `ts` / `endTime`).
    pub ended_at: DateTime<Utc>,
    pub ms_played: u64,
    pub kind: Kind,
    pub track: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub spotify_uri: Option<String>,
    pub isrc: Option<String>,
    pub platform: String,
    pub country: String,
    pub reason_end: String,
    pub shuffle: bool,
    pub skipped: bool,
    pub offline: bool,
    pub incognito: bool,
    /// Whose play it is, when the file says (`username` in extended history and the CSV).
    pub username: Option<String>,
    /// From the seed CSV: the track's length and genres, for catalog entries it creates.
    pub duration_ms: Option<u64>,
    pub genres: Vec<String>,
    /// A scrobbled listen of unknown length (ListenBrainz): `ended_at` is when it started
    /// and it lasted the whole track, whose length the catalog knows.
    pub whole: bool,
}

/// A record that could not be read: its number and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordError {
    pub n: u64,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// `spotify_extended`, `spotify_basic`, `seed_csv` (or several, joined by `+`, for a zip).
    pub format: String,
    pub records: Vec<Record>,
    pub errors: Vec<RecordError>,
}

impl Parsed {
    /// Records read, good and bad.
    pub fn read(&self) -> u64 {
        (self.records.len() + self.errors.len()) as u64
    }
}

/// Parses an upload. `Err` is a message for the user about the whole file.
pub fn parse(bytes: &[u8], name: &str) -> Result<Parsed, String> {
    let mut out = Parsed::default();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        parse_zip(bytes, name, &mut out)?;
    } else {
        let format = parse_one(bytes, name, &mut out)?;
        out.format = format.into();
    }
    if out.read() == 0 {
        return Err(format!("{name} holds no plays."));
    }
    Ok(out)
}

fn parse_zip(bytes: &[u8], name: &str, out: &mut Parsed) -> Result<(), String> {
    let damaged = || format!("{name} is not a complete zip file (damaged or cut off).");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| damaged())?;
    let mut formats: Vec<&'static str> = vec![];
    let mut members = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|_| damaged())?;
        let member = f.name().map_err(|_| damaged())?.to_string();
        let base = member.rsplit('/').next().unwrap_or("").to_string();
        let wanted = base.ends_with(".json")
            && (base.starts_with("Streaming_History_Audio")
                || base.starts_with("endsong")
                || base.starts_with("StreamingHistory"));
        if !wanted || f.is_dir() {
            continue; // read-me files, video history, other exports
        }
        let mut data = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut data).map_err(|_| damaged())?;
        let fmt = parse_one(&data, &format!("{name}: {base}"), out)?;
        if !formats.contains(&fmt) {
            formats.push(fmt);
        }
        members += 1;
    }
    if members == 0 {
        return Err(format!(
            "{name} holds no streaming history files (Streaming_History_Audio_*.json, endsong_*.json or StreamingHistory_music_*.json)."
        ));
    }
    out.format = formats.join("+");
    Ok(())
}

fn parse_one(bytes: &[u8], name: &str, out: &mut Parsed) -> Result<&'static str, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| format!("{name} is not a JSON or CSV file (it is not text)."))?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        let v: Value = serde_json::from_str(trimmed).map_err(|e| {
            format!(
                "{name} is not valid JSON (line {}, column {}): was it cut off?",
                e.line(),
                e.column()
            )
        })?;
        let Value::Array(items) = v else {
            return Err(format!("{name} is JSON but not a list of plays."));
        };
        let first = items.iter().find_map(Value::as_object);
        let has = |k: &str| first.is_some_and(|o| o.contains_key(k));
        if has("ts") && has("ms_played") {
            json_records(items, out, extended);
            Ok("spotify_extended")
        } else if has("endTime") && has("msPlayed") {
            json_records(items, out, basic);
            Ok("spotify_basic")
        } else if items.is_empty() {
            Ok("spotify_extended")
        } else {
            Err(format!(
                "{name} is JSON but not a Spotify streaming history: plays need ts and ms_played (extended history) or endTime and msPlayed."
            ))
        }
    } else if text
        .lines()
        .next()
        .is_some_and(|l| l.contains("spotify_track_uri") || l.contains("ms_played"))
    {
        csv_records(text, name, out)?;
        Ok("seed_csv")
    } else {
        Err(format!(
            "{name} is neither a Spotify history (JSON) nor the listening-history CSV."
        ))
    }
}

fn next_n(out: &Parsed) -> u64 {
    out.read() + 1
}

fn json_records(items: Vec<Value>, out: &mut Parsed, f: fn(u64, Value) -> Result<Record, String>) {
    for item in items {
        let n = next_n(out);
        match f(n, item) {
            Ok(r) => out.records.push(r),
            Err(message) => out.errors.push(RecordError { n, message }),
        }
    }
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().chars().take(200).collect::<String>())
        .filter(|s| !s.is_empty())
}

fn ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
                .map(|t| t.and_utc())
        })
}

fn check_time(t: Option<DateTime<Utc>>, raw: &str) -> Result<DateTime<Utc>, String> {
    let t = t.ok_or_else(|| {
        format!(
            "the time “{}” is not a date",
            raw.chars().take(40).collect::<String>()
        )
    })?;
    if t > Utc::now() + chrono::Duration::minutes(5) {
        return Err("the time is in the future".into());
    }
    if t.timestamp() < 946_684_800 {
        return Err("the time is before 2000".into());
    }
    Ok(t)
}

/// A record's end time and milliseconds played, named as the format names them.
fn when_and_how_long(
    time: Option<&str>,
    time_field: &str,
    ms: Option<i64>,
    ms_field: &str,
) -> Result<(DateTime<Utc>, i64), String> {
    let raw = time.ok_or_else(|| format!("{time_field} is missing"))?;
    let at = check_time(ts(raw), raw)?;
    let ms = ms.ok_or_else(|| format!("{ms_field} is missing"))?;
    if ms < 0 {
        return Err(format!("{ms_field} is negative"));
    }
    Ok((at, ms))
}

#[derive(Deserialize)]
struct Extended {
    ts: Option<String>,
    ms_played: Option<i64>,
    platform: Option<String>,
    conn_country: Option<String>,
    master_metadata_track_name: Option<String>,
    master_metadata_album_artist_name: Option<String>,
    master_metadata_album_album_name: Option<String>,
    spotify_track_uri: Option<String>,
    episode_name: Option<String>,
    spotify_episode_uri: Option<String>,
    audiobook_title: Option<String>,
    audiobook_uri: Option<String>,
    reason_end: Option<String>,
    shuffle: Option<bool>,
    skipped: Option<bool>,
    offline: Option<bool>,
    incognito_mode: Option<bool>,
    username: Option<String>,
}

fn extended(n: u64, v: Value) -> Result<Record, String> {
    let e: Extended = serde_json::from_value(v).map_err(|e| format!("not a play record ({e})"))?;
    let (ended_at, ms) = when_and_how_long(e.ts.as_deref(), "ts", e.ms_played, "ms_played")?;
    let kind = if e.episode_name.is_some() || e.spotify_episode_uri.is_some() {
        Kind::Podcast
    } else if e.audiobook_title.is_some() || e.audiobook_uri.is_some() {
        Kind::Audiobook
    } else {
        Kind::Music
    };
    let track = clean(e.master_metadata_track_name);
    let artist = clean(e.master_metadata_album_artist_name);
    let uri = clean(e.spotify_track_uri).filter(|u| u.starts_with("spotify:track:"));
    if kind == Kind::Music && uri.is_none() && (track.is_none() || artist.is_none()) {
        return Err("neither a track URI nor a track name and artist".into());
    }
    Ok(Record {
        n,
        ended_at,
        ms_played: ms as u64,
        kind,
        track,
        artist,
        album: clean(e.master_metadata_album_album_name),
        spotify_uri: uri,
        isrc: None,
        platform: platform_name(e.platform.as_deref().unwrap_or("")),
        country: country(e.conn_country.as_deref()),
        reason_end: e.reason_end.unwrap_or_default(),
        shuffle: e.shuffle.unwrap_or(false),
        skipped: e.skipped.unwrap_or(false),
        offline: e.offline.unwrap_or(false),
        incognito: e.incognito_mode.unwrap_or(false),
        username: clean(e.username),
        duration_ms: None,
        genres: vec![],
        whole: false,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Basic {
    end_time: Option<String>,
    artist_name: Option<String>,
    track_name: Option<String>,
    ms_played: Option<i64>,
}

fn basic(n: u64, v: Value) -> Result<Record, String> {
    let b: Basic = serde_json::from_value(v).map_err(|e| format!("not a play record ({e})"))?;
    let (ended_at, ms) =
        when_and_how_long(b.end_time.as_deref(), "endTime", b.ms_played, "msPlayed")?;
    let (track, artist) = (clean(b.track_name), clean(b.artist_name));
    if track.is_none() || artist.is_none() {
        return Err("trackName or artistName is empty".into());
    }
    // The basic export mixes podcasts in with "Unknown" artist names for episodes; keep
    // them as music (nothing tells them apart reliably).
    Ok(Record {
        n,
        ended_at,
        ms_played: ms as u64,
        kind: Kind::Music,
        track,
        artist,
        album: None,
        spotify_uri: None,
        isrc: None,
        platform: "Other".into(),
        country: "unknown".into(),
        reason_end: String::new(),
        shuffle: false,
        skipped: false,
        offline: false,
        incognito: false,
        username: None,
        duration_ms: None,
        genres: vec![],
        whole: false,
    })
}

/// The seed CSV: its columns are read by name (`ts_x`/`ts`, `ms_played_x`/`ms_played`,
/// `master_metadata_*_x`, `spotify_track_uri`, `ISRC_releases`, `Track Duration (ms)_releases`,
/// `Artist Genres`, platform, conn_country, reason_end, shuffle, skipped, offline,
/// incognito_mode, username, episode_name).
fn csv_records(text: &str, name: &str, out: &mut Parsed) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| format!("{name}: the CSV header cannot be read ({e})."))?
        .clone();
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == *n))
    };
    let (Some(c_ts), Some(c_ms)) = (col(&["ts_x", "ts"]), col(&["ms_played_x", "ms_played"]))
    else {
        return Err(format!(
            "{name} is a CSV without the ts_x and ms_played_x columns."
        ));
    };
    let c_track = col(&[
        "master_metadata_track_name_x",
        "master_metadata_track_name",
        "track_name",
    ]);
    let c_artist = col(&[
        "master_metadata_album_artist_name_x",
        "master_metadata_album_artist_name",
        "artist_name",
    ]);
    let c_album = col(&[
        "master_metadata_album_album_name_x",
        "master_metadata_album_album_name",
        "album_name",
    ]);
    let c_uri = col(&["spotify_track_uri"]);
    let c_isrc = col(&["ISRC_releases", "isrc", "ISRC"]);
    let c_dur = col(&["Track Duration (ms)_releases", "duration_ms"]);
    let c_genres = col(&["Artist Genres", "genres"]);
    let c_platform = col(&["platform"]);
    let c_country = col(&["conn_country"]);
    let c_reason = col(&["reason_end"]);
    let c_shuffle = col(&["shuffle"]);
    let c_skipped = col(&["skipped"]);
    let c_offline = col(&["offline"]);
    let c_incognito = col(&["incognito_mode"]);
    let c_user = col(&["username"]);
    let c_episode = col(&["episode_name"]);
    for row in rdr.records() {
        let n = next_n(out);
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RecordError {
                    n,
                    message: format!("the CSV row cannot be read ({e})"),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "nan" && *s != "NaN")
                .map(str::to_string)
        };
        let flag = |c: Option<usize>| {
            get(c).is_some_and(|v| {
                matches!(
                    v.to_ascii_lowercase().as_str(),
                    "true" | "1" | "1.0" | "yes"
                )
            })
        };
        let rec = (|| -> Result<Record, String> {
            let raw = get(Some(c_ts)).ok_or("ts_x is empty")?;
            let ended_at = check_time(ts(&raw), &raw)?;
            let ms_raw = get(Some(c_ms)).ok_or("ms_played_x is empty")?;
            let ms = ms_raw
                .parse::<f64>()
                .ok()
                .filter(|m| *m >= 0.0 && m.is_finite())
                .ok_or_else(|| format!("ms_played_x “{ms_raw}” is not a number"))?;
            let track = clean(get(c_track));
            let artist = clean(get(c_artist));
            let uri = get(c_uri).filter(|u| u.starts_with("spotify:track:"));
            let kind = if get(c_episode).is_some() {
                Kind::Podcast
            } else {
                Kind::Music
            };
            if kind == Kind::Music && uri.is_none() && (track.is_none() || artist.is_none()) {
                return Err("neither a track URI nor a track name and artist".into());
            }
            Ok(Record {
                n,
                ended_at,
                ms_played: ms as u64,
                kind,
                track,
                artist,
                album: clean(get(c_album)),
                spotify_uri: uri,
                isrc: get(c_isrc).map(|s| s.replace('-', "").to_uppercase()),
                platform: platform_name(&get(c_platform).unwrap_or_default()),
                country: country(get(c_country).as_deref()),
                reason_end: get(c_reason).unwrap_or_default(),
                shuffle: flag(c_shuffle),
                skipped: flag(c_skipped),
                offline: flag(c_offline),
                incognito: flag(c_incognito),
                username: clean(get(c_user)),
                duration_ms: get(c_dur)
                    .and_then(|d| d.parse::<f64>().ok())
                    .filter(|d| *d > 0.0 && *d < 6.0 * 3600.0 * 1000.0)
                    .map(|d| d as u64),
                genres: get(c_genres)
                    .map(|g| {
                        g.split(',')
                            .map(|x| {
                                x.trim()
                                    .trim_matches(['[', ']', '\'', '"'])
                                    .trim()
                                    .to_lowercase()
                            })
                            .filter(|x| !x.is_empty())
                            .take(5)
                            .collect()
                    })
                    .unwrap_or_default(),
                whole: false,
            })
        })();
        match rec {
            Ok(r) => out.records.push(r),
            Err(message) => out.errors.push(RecordError { n, message }),
        }
    }
    Ok(())
}

fn country(c: Option<&str>) -> String {
    match c.map(str::trim) {
        Some(c) if c.len() == 2 && c.chars().all(|x| x.is_ascii_alphabetic()) && c != "ZZ" => {
            c.to_ascii_uppercase()
        }
        _ => "unknown".into(),
    }
}

/// Spotify's platform strings ("Android OS 9 API 28 (samsung, SM-G960F)", "iOS 12.1.4
/// (iPhone9,3)", "Windows 10 (10.0.17134; x64)", "OS X 10.14.4 [x86 8]", "web_player …",
/// "android", "ios", "osx", "windows", "linux") as Encore's platform names.
pub fn platform_name(p: &str) -> String {
    let l = p.to_ascii_lowercase();
    let name = if l.starts_with("android") || l.contains("android") {
        "Android"
    } else if l.starts_with("ios") || l.contains("iphone") || l.contains("ipad") {
        "iOS"
    } else if l.starts_with("os x") || l.starts_with("osx") || l.contains("macos") {
        "macOS"
    } else if l.starts_with("windows") {
        "Windows"
    } else if l.starts_with("linux") {
        "Linux"
    } else if l.contains("web_player") || l.contains("web player") {
        "Web"
    } else {
        "Other"
    };
    name.into()
}

/// A comparable form of a name: lower case, letters and digits only, without
/// "(feat. …)", "(Remastered …)" or " - Live" style suffixes.
pub fn normalize(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut cut = lower.as_str();
    for sep in [" (", " [", " - ", " feat. ", " ft. "] {
        if let Some(i) = cut.find(sep) {
            if i > 0 {
                cut = &cut[..i];
            }
        }
    }
    let mut out = String::with_capacity(cut.len());
    let mut space = false;
    for c in cut.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The key songs are matched on: primary artist and title, normalised.
pub fn match_key(artist: &str, title: &str) -> String {
    format!("{}\u{1f}{}", normalize(artist), normalize(title))
}
