use std::collections::HashSet;

use encore::{
    catalog::*,
    catalog_gen::{generate, GenOptions},
    search::{Refreshed, SearchIndex},
    Error,
};
use uuid::Uuid;

use crate::TestApp;

pub async fn small_catalog(app: &TestApp) -> (tempdir::Dir, encore::catalog_gen::GenReport) {
    let dir = tempdir::Dir::new();
    let opts = GenOptions {
        artists: 6,
        albums: 14,
        songs: 90,
        audio_files: 3,
        seed: 7,
    };
    let report = generate(&app.repos, dir.path(), &opts, &|_, _| {})
        .await
        .unwrap();
    (dir, report)
}

/// A throwaway directory without another dependency.
pub mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p =
                std::env::temp_dir().join(format!("encore-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[tokio::test]
async fn the_generator_writes_a_consistent_catalog_with_real_audio() {
    let app = TestApp::init().await;
    let (dir, report) = small_catalog(&app).await;
    assert_eq!(
        (
            report.artists,
            report.albums,
            report.songs,
            report.audio_files
        ),
        (6, 14, 90, 3)
    );
    assert_eq!(app.repos.catalog.song_count().await.unwrap(), 90);

    let home = app.repos.catalog.home().await.unwrap();
    assert!(!home.new_releases.is_empty() && !home.popular.is_empty() && !home.genres.is_empty());
    let total_in_genres: u64 = home.genres.iter().map(|g| g.songs).sum();
    assert!(total_in_genres >= 90, "every song has at least one genre");
    // The charts the generator kept as it went equal a recount from the database.
    let recount = app.repos.catalog.refresh_charts().await.unwrap();
    let counts = |h: &HomeCatalog| {
        h.genres
            .iter()
            .map(|g| (g.genre.clone(), g.songs))
            .collect::<std::collections::HashMap<_, _>>()
    };
    assert_eq!(counts(&home), counts(&recount));
    let dates = |h: &HomeCatalog| {
        h.new_releases
            .iter()
            .map(|a| a.release_date)
            .collect::<Vec<_>>()
    };
    assert_eq!(dates(&home), dates(&recount));
    let mut pops = vec![];
    for h in [&home, &recount] {
        let ids: Vec<Uuid> = h.popular.iter().map(|r| r.id).collect();
        let found = app.repos.catalog.songs_by_ids(&ids).await.unwrap();
        pops.push(found.iter().map(|(s, _)| s.popularity).collect::<Vec<_>>());
    }
    assert_eq!(pops[0].len(), 20);
    assert_eq!(pops[0], pops[1], "the most popular songs, in order");

    // Every album's tracks are in order, sum to its duration, and point at real audio
    // whose WAV header agrees with the catalog's duration.
    let album = &home.new_releases[0];
    let tracks = app.repos.catalog.album_tracks(album.id).await.unwrap();
    assert_eq!(tracks.len() as u32, album.track_count);
    assert_eq!(
        tracks.iter().map(|t| t.duration_ms).sum::<u64>(),
        album.duration_ms
    );
    assert!(tracks
        .windows(2)
        .all(|w| w[0].track_number < w[1].track_number));
    let (song, _) = app.repos.catalog.song(tracks[0].id).await.unwrap().unwrap();
    let audio = song.audio.unwrap();
    let bytes = std::fs::read(dir.path().join("audio").join(&audio.file)).unwrap();
    assert_eq!(bytes.len() as i64, audio.size);
    let wav_ms = encore::audio::wav_duration_ms(&bytes).unwrap();
    assert!(
        wav_ms.abs_diff(song.duration_ms) <= 1,
        "{wav_ms} vs {}",
        song.duration_ms
    );

    // A second run refuses instead of doubling the catalog.
    let again = generate(&app.repos, dir.path(), &GenOptions::default(), &|_, _| {}).await;
    assert!(matches!(again, Err(Error::Conflict(_))));
}

#[tokio::test]
async fn browse_pages_cover_everything_once() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    // Artists: walk every initial with a page size of 1.
    let mut seen = HashSet::new();
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ#".chars() {
        let mut cursor: Option<String> = None;
        loop {
            let page = app
                .repos
                .catalog
                .artists_by_initial(&c.to_string(), cursor.as_deref(), 1)
                .await
                .unwrap();
            for a in &page.items {
                assert!(seen.insert(a.id), "artist listed twice");
            }
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
    }
    assert_eq!(seen.len(), 6);

    // Albums: every year, both orders, page size 2.
    for newest in [true, false] {
        let mut albums = HashSet::new();
        for year in 1960..=2026 {
            let mut cursor = None;
            loop {
                let page = app
                    .repos
                    .catalog
                    .albums_by_year(year, newest, cursor, 2)
                    .await
                    .unwrap();
                let dates: Vec<_> = page.items.iter().map(|a| a.release_date).collect();
                assert!(dates
                    .windows(2)
                    .all(|w| if newest { w[0] >= w[1] } else { w[0] <= w[1] }));
                for a in &page.items {
                    assert!(albums.insert(a.id), "album listed twice");
                }
                match page.next {
                    Some(n) => {
                        let (d, id) = n.split_once('_').unwrap();
                        cursor = Some((d.parse().unwrap(), Uuid::parse_str(id).unwrap()));
                    }
                    None => break,
                }
            }
        }
        assert_eq!(albums.len(), 14);
    }
}

#[tokio::test]
async fn taken_down_songs_leave_lists_and_artist_pages_are_by_popularity() {
    let app = TestApp::init().await;
    small_catalog(&app).await;
    let home = app.repos.catalog.home().await.unwrap();
    let artist_id = home.popular[0].artists[0].id;
    let top = app
        .repos
        .catalog
        .top_songs_by_artist(artist_id, 10)
        .await
        .unwrap();
    assert!(!top.is_empty());
    let album_id = top[0].album_id;
    let before = app
        .repos
        .catalog
        .album_tracks(album_id)
        .await
        .unwrap()
        .len();
    assert!(app
        .repos
        .catalog
        .set_song_status(top[0].id, SongStatus::TakenDown)
        .await
        .unwrap());
    let after = app.repos.catalog.album_tracks(album_id).await.unwrap();
    assert_eq!(after.len(), before - 1);
    assert!(!after.iter().any(|t| t.id == top[0].id));
    let top_after = app
        .repos
        .catalog
        .top_songs_by_artist(artist_id, 10)
        .await
        .unwrap();
    assert!(!top_after.iter().any(|t| t.id == top[0].id));
}

fn song(title: &str, artist: &Artist, album: &Album, popularity: u32) -> Song {
    Song {
        id: Uuid::new_v4(),
        title: title.into(),
        artists: vec![ArtistCredit {
            id: artist.id,
            name: artist.name.clone(),
            role: ArtistRole::Primary,
        }],
        album_id: album.id,
        album_title: album.title.clone(),
        track_number: 1,
        disc_number: 1,
        duration_ms: 180_000,
        genres: vec!["rock".into()],
        explicit: false,
        isrc: Some("GBAYE6300001".into()),
        popularity,
        features: AudioFeatures {
            tempo: 120.0,
            time_signature: 4,
            ..Default::default()
        },
        audio: None,
        status: SongStatus::Published,
        play_count: 0,
        like_count: 0,
    }
}

fn artist(name: &str, popularity: u32) -> Artist {
    Artist {
        id: Uuid::new_v4(),
        name: name.into(),
        sort_name: sort_name(name),
        bio: String::new(),
        country: "GB".into(),
        genres: vec!["rock".into()],
        image: None,
        verified: true,
        links: vec![],
        popularity,
    }
}

fn album(title: &str, a: &Artist) -> Album {
    Album {
        id: Uuid::new_v4(),
        title: title.into(),
        artist_ids: vec![a.id],
        artist_names: vec![a.name.clone()],
        album_type: AlbumType::Album,
        release_date: chrono::NaiveDate::from_ymd_opt(1969, 9, 26).unwrap(),
        label: "Apple".into(),
        genres: vec!["rock".into()],
        cover: None,
        track_count: 2,
        duration_ms: 360_000,
        popularity: 90,
    }
}

#[tokio::test]
async fn search_tolerates_typos_and_prefixes_and_ranks_by_popularity() {
    let app = TestApp::init().await;
    let beatles = artist("The Beatles", 95);
    let beat = artist("Beat Happening", 20);
    let road = album("Abbey Road", &beatles);
    let other = album("Jamboree", &beat);
    app.repos
        .catalog
        .insert_artists(&[beatles.clone(), beat.clone()])
        .await
        .unwrap();
    app.repos
        .catalog
        .insert_albums(&[road.clone(), other.clone()])
        .await
        .unwrap();
    let come_together = song("Come Together", &beatles, &road, 90);
    app.repos
        .catalog
        .insert_songs(&[
            (come_together.clone(), None),
            (song("Something", &beatles, &road, 80), None),
            (song("Indian Summer", &beat, &other, 10), None),
            (song("Something", &beat, &other, 5), None),
        ])
        .await
        .unwrap();
    let index = SearchIndex::default();
    index.rebuild(&app.repos.catalog).await.unwrap();

    let r = index.search("beatels", 5).unwrap();
    assert_eq!(
        r.artists.first().map(|a| a.name.as_str()),
        Some("The Beatles"),
        "{r:?}"
    );
    let r = index.search("come togeth", 5).unwrap();
    assert_eq!(
        r.songs.first().map(|s| s.title.as_str()),
        Some("Come Together")
    );
    let r = index.search("abey road", 5).unwrap();
    assert_eq!(
        r.albums.first().map(|a| a.title.as_str()),
        Some("Abbey Road")
    );
    // Equal matches rank by popularity.
    let r = index.search("something", 5).unwrap();
    let by: Vec<&str> = r.songs.iter().map(|s| s.artists[0].name.as_str()).collect();
    assert_eq!(by, ["The Beatles", "Beat Happening"]);
    // Songs match through their artist names too.
    assert_eq!(index.search("beatles", 5).unwrap().songs.len(), 2);
    assert!(index.search("zzzzqqq", 5).unwrap().songs.is_empty());
    assert!(index.search("", 5).unwrap().songs.is_empty());

    // The index follows the catalog through the change log: a take-down leaves it at
    // the next refresh without reading the whole catalog again.
    assert!(app
        .repos
        .catalog
        .set_song_status(come_together.id, SongStatus::TakenDown)
        .await
        .unwrap());
    assert_eq!(
        index.refresh(&app.repos.catalog).await.unwrap(),
        Refreshed::Changes(1)
    );
    assert!(index.search("come together", 5).unwrap().songs.is_empty());
    assert_eq!(
        index.refresh(&app.repos.catalog).await.unwrap(),
        Refreshed::UpToDate
    );
}

#[tokio::test]
async fn the_catalog_index_persists_follows_the_change_log_and_serves_album_lists() {
    use encore::repo::catalog::AlbumList;
    let app = TestApp::init().await;
    let (_audio, _) = small_catalog(&app).await;
    let dir = tempdir::Dir::new();
    let first = SearchIndex::open(dir.path()).unwrap();
    assert!(!first.is_ready());
    assert!(first
        .album_list(&AlbumList::Newest, 0, 10)
        .unwrap()
        .is_none());
    assert_eq!(
        first.refresh(&app.repos.catalog).await.unwrap(),
        Refreshed::Full(6 + 14 + 90)
    );

    // The app album lists hold what MongoDB's would, in the list's order, paged.
    let all_db = app
        .repos
        .catalog
        .album_list(&AlbumList::Newest, 0, 100)
        .await
        .unwrap();
    assert!(!all_db.is_empty());
    let genre = all_db[0].genres[0].clone();
    for kind in [
        AlbumList::Newest,
        AlbumList::Popular,
        AlbumList::ByTitle,
        AlbumList::ByArtist,
        AlbumList::Years(1900, 2100),
        AlbumList::Years(2100, 1900),
        AlbumList::Genre(genre.to_uppercase()),
        AlbumList::Random(12345),
    ] {
        let idx = first.album_list(&kind, 0, 100).unwrap().unwrap();
        let db = app.repos.catalog.album_list(&kind, 0, 100).await.unwrap();
        let ids = |v: &[Album]| v.iter().map(|a| a.id).collect::<HashSet<_>>();
        assert_eq!(ids(&idx), ids(&db), "{kind:?}");
        assert_eq!(idx.len(), db.len(), "{kind:?}");
        let ordered = match &kind {
            AlbumList::Newest | AlbumList::Years(2100, _) => idx
                .windows(2)
                .all(|w| w[0].release_date >= w[1].release_date),
            AlbumList::Years(..) => idx
                .windows(2)
                .all(|w| w[0].release_date <= w[1].release_date),
            AlbumList::Popular | AlbumList::Genre(_) => {
                idx.windows(2).all(|w| w[0].popularity >= w[1].popularity)
            }
            // By the first 8 bytes of the lower-cased title (see `search::sort_prefix`).
            AlbumList::ByTitle => idx.windows(2).all(|w| {
                let key = |t: &str| t.to_lowercase().bytes().take(8).collect::<Vec<u8>>();
                key(&w[0].title) <= key(&w[1].title)
            }),
            _ => true,
        };
        assert!(ordered, "{kind:?}: {idx:?}");
        let page = first.album_list(&kind, 3, 4).unwrap().unwrap();
        if !matches!(kind, AlbumList::Random(_)) {
            assert_eq!(ids(&page), ids(&idx[3..7]), "{kind:?} page");
        }
    }
    let random = first
        .album_list(&AlbumList::Random(7), 0, 5)
        .unwrap()
        .unwrap();
    assert_eq!(random.len(), 5);

    // The app artist index: every artist, by sort name.
    let by_name = first.artists_by_sort_name().unwrap().unwrap();
    assert_eq!(by_name.len(), 6);
    assert!(by_name.windows(2).all(|w| w[0].0 <= w[1].0), "{by_name:?}");
    let a0 = app
        .repos
        .catalog
        .artist(by_name[0].1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (by_name[0].0.as_str(), by_name[0].2.as_str()),
        (a0.sort_name.to_lowercase().as_str(), a0.name.as_str())
    );

    // A second instance on the same data dir gets a directory of its own.
    let second = SearchIndex::open(dir.path()).unwrap();
    assert!(!second.is_ready() && dir.path().join("slot-1").is_dir());
    drop(second);

    // A change made while no instance is looking is picked up after a restart, from the
    // log, without reading the whole catalog again; the index answers before that.
    let a = artist("Zyzzyva Unique", 10);
    let al = album("Qwertyuiop Sessions", &a);
    let s = song("Xylophone Dreams", &a, &al, 50);
    app.repos
        .catalog
        .insert_artists(&[a.clone()])
        .await
        .unwrap();
    app.repos
        .catalog
        .insert_albums(&[al.clone()])
        .await
        .unwrap();
    app.repos
        .catalog
        .insert_songs(&[(s.clone(), None)])
        .await
        .unwrap();
    drop(first);
    let again = SearchIndex::open(dir.path()).unwrap();
    assert!(again.is_ready(), "the index on disk serves at once");
    assert!(again.search("xylophone", 5).unwrap().songs.is_empty());
    assert!(matches!(
        again.refresh(&app.repos.catalog).await.unwrap(),
        Refreshed::Changes(_)
    ));
    let r = again.search("xylophon dreams", 5).unwrap();
    assert_eq!(r.songs.first().map(|x| x.id), Some(s.id));
    assert_eq!(
        again
            .search("zyzzyva", 5)
            .unwrap()
            .artists
            .first()
            .map(|x| x.id),
        Some(a.id)
    );
    // A deleted song leaves at the next refresh.
    app.repos.catalog.delete_songs(&[s.id]).await.unwrap();
    assert_eq!(
        again.refresh(&app.repos.catalog).await.unwrap(),
        Refreshed::Changes(1)
    );
    assert!(again.search("xylophone", 5).unwrap().songs.is_empty());

    // The same index directory used with another catalog database is built afresh, not
    // reused (nothing of the first catalog stays findable).
    drop(again);
    let other = TestApp::init().await;
    let reused = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(
        reused.refresh(&other.repos.catalog).await.unwrap(),
        Refreshed::Full(0)
    );
    assert!(reused.search("zyzzyva", 5).unwrap().artists.is_empty());
}

#[tokio::test]
async fn invalid_songs_are_refused_with_clear_messages_and_nothing_is_written() {
    let app = TestApp::init().await;
    let a = artist("Solo", 10);
    let al = album("One", &a);
    let mut bad = song("", &a, &al, 10);
    bad.isrc = Some("nope".into());
    bad.track_number = 0;
    bad.features.energy = 1.5;
    bad.audio = Some(AudioFile {
        file: "../../etc/passwd".into(),
        mime: "audio/wav".into(),
        bitrate: 1,
        sample_rate: 1,
        size: 1,
    });
    let good = song("Fine", &a, &al, 10);
    match app
        .repos
        .catalog
        .insert_songs(&[(good, None), (bad, None)])
        .await
    {
        Err(Error::Invalid(f)) => {
            for field in ["title", "isrc", "track_number", "features", "audio"] {
                assert!(f.get(field).is_some(), "no message for {field}: {f:?}");
            }
        }
        other => panic!("expected validation errors, got {other:?}"),
    }
    assert_eq!(
        app.repos.catalog.song_count().await.unwrap(),
        0,
        "a bad batch writes nothing"
    );
}
