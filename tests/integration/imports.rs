use std::io::Write;

use bytes::Bytes;
use chrono::{Duration, SecondsFormat, Utc};
use encore::{
    import::parse,
    service::imports::{queue, run_next, upload, BATCH},
    upload::{receive, temp_dir, Received},
    Error,
};
use futures::stream;
use serde_json::json;

use crate::{catalog::small_catalog, catalog::tempdir, songs, TestApp};

fn iso(minutes_ago: i64) -> String {
    (Utc::now() - Duration::minutes(minutes_ago)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One extended-history record with the documented fields.
fn ext(
    ts: &str,
    ms: i64,
    track: Option<&str>,
    artist: Option<&str>,
    uri: Option<&str>,
) -> serde_json::Value {
    json!({
        "ts": ts, "username": "someone", "platform": "Android OS 9 API 28 (samsung, SM-G960F)",
        "ms_played": ms, "conn_country": "SE", "ip_addr_decrypted": "10.0.0.1",
        "user_agent_decrypted": "unknown", "master_metadata_track_name": track,
        "master_metadata_album_artist_name": artist, "master_metadata_album_album_name": "Some Album",
        "spotify_track_uri": uri, "episode_name": null, "episode_show_name": null,
        "spotify_episode_uri": null, "audiobook_title": null, "audiobook_uri": null,
        "reason_start": "clickrow", "reason_end": if ms > 30_000 { "trackdone" } else { "fwdbtn" },
        "shuffle": false, "skipped": ms <= 30_000, "offline": false, "offline_timestamp": 0,
        "incognito_mode": false
    })
}

async fn received(dir: &std::path::Path, bytes: Vec<u8>, name: &str) -> Received {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from(bytes))];
    receive(&temp_dir(dir), stream::iter(chunks), 50 << 20, name)
        .await
        .unwrap()
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn whole_file_error(bytes: &[u8], name: &str) -> String {
    parse(bytes, name).expect_err(name)
}

/// The three formats (and a zip of them) are read; bad files are refused as a whole with a
/// clear message; bad records are reported by number.
#[test]
fn formats_bad_files_and_bad_records() {
    let extended = serde_json::to_vec(&json!([
        ext(&iso(60), 200_000, Some("Song A"), Some("Band"), Some("spotify:track:aaa")),
        {"ts": iso(50), "ms_played": 1_000, "episode_name": "A Podcast", "spotify_episode_uri": "spotify:episode:x",
         "master_metadata_track_name": null, "master_metadata_album_artist_name": null, "spotify_track_uri": null},
        {"ts": "yesterday", "ms_played": 5},
        {"ts": (Utc::now() + Duration::days(3)).to_rfc3339(), "ms_played": 5, "spotify_track_uri": "spotify:track:b"},
        {"ts": iso(40), "master_metadata_track_name": "No Length"},
    ]))
    .unwrap();
    let p = parse(&extended, "Streaming_History_Audio_2024.json").unwrap();
    assert_eq!(p.format, "spotify_extended");
    assert_eq!((p.records.len(), p.read()), (2, 5));
    assert_eq!(p.records[0].platform, "Android");
    assert_eq!(p.records[0].country, "SE");
    assert_eq!(p.records[1].kind, encore::import::Kind::Podcast);
    let errs: Vec<(u64, &str)> = p.errors.iter().map(|e| (e.n, e.message.as_str())).collect();
    assert_eq!(errs[0].0, 3);
    assert!(errs[0].1.contains("“yesterday” is not a date"), "{errs:?}");
    assert_eq!(errs[1], (4, "the time is in the future"));
    assert_eq!(errs[2], (5, "ms_played is missing"));

    let basic = serde_json::to_vec(&json!([
        {"endTime": "2023-03-01 10:15", "artistName": "Band", "trackName": "Song A", "msPlayed": 185_000},
        {"endTime": "2023-03-01 10:19", "artistName": "", "trackName": "Song B", "msPlayed": 10},
    ]))
    .unwrap();
    let p = parse(&basic, "StreamingHistory_music_0.json").unwrap();
    assert_eq!(
        (p.format.as_str(), p.records.len(), p.errors.len()),
        ("spotify_basic", 1, 1)
    );
    assert_eq!(
        p.records[0].ended_at.to_rfc3339(),
        "2023-03-01T10:15:00+00:00"
    );

    let csv = "spotify_track_uri,ts_x,username,platform,ms_played_x,conn_country,master_metadata_track_name_x,master_metadata_album_artist_name_x,master_metadata_album_album_name_x,reason_start,reason_end,shuffle,skipped,offline,incognito_mode,ISRC_releases,Track Duration (ms)_releases,Artist Genres\n\
spotify:track:1,2019-05-04T10:00:00Z,someone,android,200000.0,US,Song A,Band,Album,clickrow,trackdone,True,False,False,False,USABC1234567,210000,\"['indie rock', 'dream pop']\"\n\
spotify:track:2,not-a-time,someone,android,1000,US,Song B,Band,Album,clickrow,fwdbtn,False,True,False,False,,,\n";
    let p = parse(csv.as_bytes(), "listening.csv").unwrap();
    assert_eq!(
        (p.format.as_str(), p.records.len(), p.errors.len()),
        ("seed_csv", 1, 1)
    );
    let r = &p.records[0];
    assert_eq!(
        (r.duration_ms, r.isrc.as_deref(), r.shuffle),
        (Some(210_000), Some("USABC1234567"), true)
    );
    assert_eq!(r.genres, ["indie rock", "dream pop"]);
    assert_eq!(p.errors[0].n, 2);

    let zipped = zip_of(&[
        ("MyData/Read Me First.pdf", b"%PDF-1.4"),
        ("MyData/Streaming_History_Audio_2024.json", &extended),
        ("MyData/StreamingHistory_music_0.json", &basic),
    ]);
    let p = parse(&zipped, "my_spotify_data.zip").unwrap();
    assert_eq!(p.format, "spotify_extended+spotify_basic");
    assert_eq!((p.records.len(), p.read()), (3, 7));
    assert_eq!(
        p.errors.last().unwrap().n,
        7,
        "record numbers run on across the files"
    );

    // Whole files refused.
    assert!(
        whole_file_error(b"\x89PNG\r\n\x1a\n....", "photo.json").contains("not a JSON or CSV file")
    );
    assert!(whole_file_error(b"hello there", "notes.txt").contains("neither a Spotify history"));
    assert!(whole_file_error(br#"{"ts": "x"}"#, "one.json").contains("not a list of plays"));
    assert!(
        whole_file_error(br#"[{"song": "x", "when": 1}]"#, "other.json")
            .contains("not a Spotify streaming history")
    );
    assert!(
        whole_file_error(&extended[..extended.len() / 2], "cut.json").contains("is not valid JSON")
    );
    assert!(whole_file_error(b"[]", "empty.json").contains("holds no plays"));
    assert!(whole_file_error(&zipped[..zipped.len() - 40], "cut.zip")
        .contains("not a complete zip file"));
    let no_history = zip_of(&[("Read Me First.pdf", b"%PDF")]);
    assert!(whole_file_error(&no_history, "other.zip").contains("holds no streaming history files"));
    assert!(whole_file_error(b"a,b\n1,2\n", "table.csv").contains("neither"));
}

/// Upload → job → report: matched by name and by URI, unknown tracks created without
/// audio, podcasts and incognito plays skipped, errors numbered; the plays reach stats
/// through the aggregator; importing the same file again adds nothing.
#[tokio::test]
async fn import_matches_creates_skips_and_never_double_counts() {
    let app = TestApp::init().await;
    let (_c, _) = small_catalog(&app).await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let me = app.user("importer").await.session_user();
    let known = &songs(&app, 1).await[0];
    let artist = known.artists[0].name.clone();
    let mut incognito = ext(&iso(30), 90_000, Some(&known.title), Some(&artist), None);
    incognito["incognito_mode"] = json!(true);
    let file = serde_json::to_vec(&json!([
        ext(&iso(300), 200_000, Some(&known.title.to_uppercase()), Some(&artist), Some("spotify:track:known1")),
        ext(&iso(200), 5_000, Some(&format!("{} (Remastered 2011)", known.title)), Some(&artist), None),
        ext(&iso(100), 40_000, Some("Never Heard"), Some("New Band"), Some("spotify:track:new1")),
        ext(&iso(90), 45_000, Some("Never Heard"), Some("New Band"), Some("spotify:track:new1")),
        {"ts": iso(80), "ms_played": 600_000, "episode_name": "Ep 1", "spotify_episode_uri": "spotify:episode:e1"},
        incognito,
        {"ts": "garbage", "ms_played": 1},
    ]))
    .unwrap();
    let id = upload(
        r,
        data.path(),
        &me,
        received(
            data.path(),
            file.clone(),
            "Streaming_History_Audio_2025.json",
        )
        .await,
    )
    .await
    .unwrap();
    let queued = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(
        (queued.status.as_str(), queued.total, queued.error_count),
        ("queued", 7, 1)
    );
    assert_eq!(queued.errors[0].0, 7);

    let seen = std::sync::Mutex::new(vec![]);
    run_next(r, data.path(), None, BATCH, None, &|done, total| {
        seen.lock().unwrap().push((done, total))
    })
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap().last(), Some(&(7, 7)));
    let rep = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(rep.status, "done");
    assert_eq!(
        (rep.imported, rep.matched, rep.created, rep.duplicates),
        (4, 3, 1, 0),
        "{rep:?}"
    );
    assert_eq!(
        (rep.skipped_podcast, rep.skipped_incognito, rep.error_count),
        (1, 1, 1)
    );
    assert!(
        std::fs::read_dir(data.path().join("imports"))
            .unwrap()
            .next()
            .is_none(),
        "the file is deleted when done"
    );

    // The created track: in the catalog, not playable.
    let m = r
        .catalog
        .import_matches(vec!["spotify:track:new1".into()], vec![], vec![])
        .await
        .unwrap();
    let created = m.by_uri.get("spotify:track:new1").expect("created song");
    assert!(created.audio.is_none());
    assert_eq!(created.artists[0].name, "New Band");
    assert!(!created.row(None).playable);

    // Counted like live plays: 3 streams (200 s, 40 s, 45 s), 4 plays.
    while r.listening.aggregate_once(1000).await.unwrap() > 0 {}
    let totals = r.listening.user_totals(me.id).await.unwrap().unwrap();
    assert_eq!(
        encore::repo::listening::fold::get_int(&totals, "streams"),
        3
    );

    // The same file again: nothing new.
    let again = upload(
        r,
        data.path(),
        &me,
        received(
            data.path(),
            file.clone(),
            "Streaming_History_Audio_2025.json",
        )
        .await,
    )
    .await
    .unwrap();
    run_next(r, data.path(), Some(again), BATCH, None, &|_, _| {})
        .await
        .unwrap();
    let rep = r.imports.get(again).await.unwrap().unwrap();
    assert_eq!(
        (rep.imported, rep.duplicates, rep.created),
        (0, 4, 0),
        "{rep:?}"
    );
    while r.listening.aggregate_once(1000).await.unwrap() > 0 {}
    let totals = r.listening.user_totals(me.id).await.unwrap().unwrap();
    assert_eq!(
        encore::repo::listening::fold::get_int(&totals, "streams"),
        3
    );

    // Two imports of the same bytes queued together keep their own copies.
    let other = app.user("importer2").await.session_user();
    let a = upload(
        r,
        data.path(),
        &other,
        received(data.path(), file.clone(), "h.json").await,
    )
    .await
    .unwrap();
    let b = upload(
        r,
        data.path(),
        &other,
        received(data.path(), file.clone(), "h.json").await,
    )
    .await
    .unwrap();
    run_next(r, data.path(), Some(a), BATCH, None, &|_, _| {})
        .await
        .unwrap();
    run_next(r, data.path(), Some(b), BATCH, None, &|_, _| {})
        .await
        .unwrap();
    let (a, b) = (
        r.imports.get(a).await.unwrap().unwrap(),
        r.imports.get(b).await.unwrap().unwrap(),
    );
    assert_eq!((a.status.as_str(), a.imported), ("done", 4), "{a:?}");
    assert_eq!(
        (b.status.as_str(), b.imported, b.duplicates),
        ("done", 0, 4),
        "{b:?}"
    );

    // A bad file is refused and nothing is queued or kept.
    let e = upload(
        r,
        data.path(),
        &me,
        received(data.path(), b"[{\"a\": 1}]".to_vec(), "x.json").await,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
    assert_eq!(r.imports.of_user(me.id).await.unwrap().len(), 2);
    assert_eq!(r.imports.of_user(other.id).await.unwrap().len(), 2);
    assert_eq!(std::fs::read_dir(temp_dir(data.path())).unwrap().count(), 0);
}

/// A run that stops part-way (its lease runs out) is resumed by the next run from the
/// last recorded batch; a batch stored but not recorded is not counted twice.
#[tokio::test]
async fn a_crashed_import_resumes_where_it_stopped() {
    let app = TestApp::init().await;
    let (_c, _) = small_catalog(&app).await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let me = app.user("resumer").await.session_user();
    let list = songs(&app, 7).await;
    let records: Vec<serde_json::Value> = list
        .iter()
        .enumerate()
        .map(|(i, s)| {
            ext(
                &iso(500 - i as i64),
                60_000,
                Some(&s.title),
                Some(&s.artists[0].name),
                None,
            )
        })
        .collect();
    let id = upload(
        r,
        data.path(),
        &me,
        received(data.path(), serde_json::to_vec(&records).unwrap(), "h.json").await,
    )
    .await
    .unwrap();
    // First run: one batch of 3, then "crashes".
    run_next(r, data.path(), Some(id), 3, Some(1), &|_, _| {})
        .await
        .unwrap();
    let mid = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(
        (mid.status.as_str(), mid.position, mid.imported),
        ("running", 3, 3)
    );
    // The aggregator sees it as being stored, so it leaves imported plays for later.
    assert!(r.imports.any_running().await.unwrap());
    // While its lease holds, nobody else takes it.
    assert_eq!(
        run_next(r, data.path(), Some(id), 3, None, &|_, _| {})
            .await
            .unwrap(),
        None
    );
    // The lease runs out; also pretend the first batch's progress never reached PostgreSQL.
    sqlx::query("update imports set lease_until = now() - interval '1 second', position = 0, imported = 0, matched = 0 where id = $1")
        .bind(id)
        .execute(&r.pg)
        .await
        .unwrap();
    run_next(r, data.path(), Some(id), 3, None, &|_, _| {})
        .await
        .unwrap();
    let done = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(
        (
            done.status.as_str(),
            done.position,
            done.imported,
            done.duplicates,
            done.matched
        ),
        ("done", 7, 7, 0, 7),
        "{done:?}"
    );
    assert!(!r.imports.any_running().await.unwrap());
    while r.listening.aggregate_once(1000).await.unwrap() > 0 {}
    let totals = r.listening.user_totals(me.id).await.unwrap().unwrap();
    assert_eq!(
        encore::repo::listening::fold::get_int(&totals, "streams"),
        7
    );
}

/// Unknown tracks of one album arriving over several batches, with a crash whose progress
/// never reached PostgreSQL: the album made for them ends with its real track count and
/// length, and every track once.
#[tokio::test]
async fn albums_made_by_an_import_are_counted_after_a_crash() {
    let app = TestApp::init().await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let me = app.user("albumcount").await.session_user();
    // Five tracks (the fourth twice, once longer), one record of each a minute apart.
    let plays = [
        (1, 61_000),
        (2, 62_000),
        (3, 63_000),
        (4, 64_000),
        (5, 65_000),
        (4, 70_000),
        (1, 50_000),
    ];
    let records: Vec<serde_json::Value> = plays
        .iter()
        .enumerate()
        .map(|(i, (t, ms))| {
            let title = format!("Unheard Track {t}");
            ext(
                &iso(500 - i as i64),
                *ms,
                Some(&title),
                Some("Nobody Known"),
                None,
            )
        })
        .collect();
    let id = upload(
        r,
        data.path(),
        &me,
        received(data.path(), serde_json::to_vec(&records).unwrap(), "h.json").await,
    )
    .await
    .unwrap();
    run_next(r, data.path(), Some(id), 3, Some(2), &|_, _| {})
        .await
        .unwrap();
    sqlx::query("update imports set lease_until = now() - interval '1 second', position = 0, imported = 0, matched = 0, created = 0, recount_albums = '{}' where id = $1")
        .bind(id)
        .execute(&r.pg)
        .await
        .unwrap();
    run_next(r, data.path(), Some(id), 3, None, &|_, _| {})
        .await
        .unwrap();
    let done = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(
        (done.status.as_str(), done.imported),
        ("done", 7),
        "{done:?}"
    );
    let key = encore::import::match_key("Nobody Known", "Some Album");
    let albums = r
        .catalog
        .albums_by_match_keys(vec![key.clone()])
        .await
        .unwrap();
    let album = albums.get(&key).expect("the import made the album");
    let tracks = r.catalog.album_tracks(album.id).await.unwrap();
    let mut titles: Vec<&str> = tracks.iter().map(|t| t.title.as_str()).collect();
    titles.sort();
    assert_eq!(
        titles,
        (1..=5)
            .map(|t| format!("Unheard Track {t}"))
            .collect::<Vec<_>>(),
        "each track once"
    );
    let length: u64 = tracks.iter().map(|t| t.duration_ms).sum();
    assert_eq!((album.track_count, album.duration_ms), (5, length));
    assert!(tracks.iter().all(|t| !t.playable));
}

/// The seed CSV imported for the platform (CLI): each row goes to the user it names,
/// matched by ISRC where the names differ; unknown users are reported by record.
#[tokio::test]
async fn platform_csv_import_by_username_and_isrc() {
    let app = TestApp::init().await;
    let (_c, _) = small_catalog(&app).await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let alice = app.user("alicecsv").await.session_user();
    let known = songs(&app, 1).await[0].clone();
    let (song, _) = r.catalog.song(known.id).await.unwrap().unwrap();
    let isrc = song.isrc.clone().expect("generated songs carry an ISRC");
    let csv = format!(
        "spotify_track_uri,ts_x,username,platform,ms_played_x,conn_country,master_metadata_track_name_x,master_metadata_album_artist_name_x,master_metadata_album_album_name_x,reason_end,shuffle,skipped,offline,incognito_mode,ISRC_releases\n\
spotify:track:x1,{},AliceCSV,ios,61000,DE,A Different Title,Someone Else,Album,trackdone,False,False,False,False,{isrc}\n\
spotify:track:x2,{},nobody_here,ios,61000,DE,Song,Band,Album,trackdone,False,False,False,False,\n",
        iso(20),
        iso(10)
    );
    let id = queue(
        r,
        data.path(),
        None,
        None,
        received(data.path(), csv.into_bytes(), "history.csv").await,
    )
    .await
    .unwrap();
    run_next(r, data.path(), Some(id), BATCH, None, &|_, _| {})
        .await
        .unwrap();
    let rep = r.imports.get(id).await.unwrap().unwrap();
    assert_eq!(
        (rep.format.as_str(), rep.imported, rep.matched, rep.created),
        ("seed_csv", 1, 1, 0),
        "{rep:?}"
    );
    assert_eq!(rep.error_count, 1);
    assert_eq!(
        rep.errors[0],
        (2, "no user named “nobody_here”".to_string())
    );
    while r.listening.aggregate_once(1000).await.unwrap() > 0 {}
    let history = r.listening.recent(alice.id, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        encore::repo::listening::fold::event_song(&history[0]),
        Some(known.id)
    );
    assert_eq!(history[0].get_bool("imported"), Ok(true));
}
