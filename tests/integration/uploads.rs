use std::path::{Path, PathBuf};

use bytes::Bytes;
use encore::{
    catalog::SongStatus,
    model::Role,
    service::{
        artists::{claim, decide},
        uploads::{approve, may_hear, pending, reject, submit, UploadForm},
    },
    upload::{probe_audio, receive, temp_dir, Received},
    Error,
};
use futures::stream;
use uuid::Uuid;

use crate::{catalog::small_catalog, catalog::tempdir, songs, TestApp};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

fn message(e: Error) -> String {
    match e {
        Error::Invalid(f) => f.to_string(),
        e => panic!("expected a validation error, got {e:?}"),
    }
}

/// Streams bytes to a temporary file in chunks, as the multipart handler does.
async fn received(data_dir: &Path, bytes: Vec<u8>, name: &str) -> Received {
    let chunks: Vec<Result<Bytes, std::io::Error>> = bytes
        .chunks(8192)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    receive(&temp_dir(data_dir), stream::iter(chunks), 10 << 20, name)
        .await
        .unwrap()
}

fn temp_files(data_dir: &Path) -> usize {
    std::fs::read_dir(temp_dir(data_dir))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Real files in each accepted format are probed by content: codec, duration, tags.
#[test]
fn real_files_are_probed_by_content() {
    for (file, codec, title) in [
        ("chord.flac", "flac", Some("Chord in FLAC")),
        ("chord.ogg", "vorbis", Some("Chord in OGG")),
        ("chord.mp3", "mp3", Some("Chord in MP3")),
        ("chord16.wav", "pcm", None),
    ] {
        let p = probe_audio(&fixture(file), file).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(p.codec, codec, "{file}");
        assert_eq!(p.sample_rate, 22_050, "{file}");
        // 2.5 s of audio; MP3 and Vorbis add a little encoder padding.
        assert!(
            (2_450..=2_650).contains(&p.duration_ms),
            "{file}: {} ms",
            p.duration_ms
        );
        assert_eq!(p.tags.title.as_deref(), title, "{file}");
        if title.is_some() {
            assert_eq!(p.tags.artist.as_deref(), Some("Fixture Band"), "{file}");
        }
    }
    // The demo catalog's synthesised WAV (8-bit PCM) too, with the duration it was made for.
    let dir = tempdir::Dir::new();
    let path = dir.path().join("demo.wav");
    std::fs::write(&path, encore::audio::synth_wav(31_000, 3)).unwrap();
    let p = probe_audio(&path, "demo.wav").unwrap();
    assert_eq!((p.codec, p.ext, p.duration_ms), ("pcm", "wav", 31_000));
}

/// Every kind of bad file is refused with a message that names it and says what is wrong.
#[test]
fn broken_files_get_clear_errors() {
    let cases = [
        ("not-audio.mp3", "is not an audio file we can read"),
        ("truncated.flac", "is truncated"),
        ("truncated.wav", "is truncated"),
        ("chord_adpcm.wav", "uses an audio codec we do not accept"),
    ];
    for (file, expected) in cases {
        let e = message(probe_audio(&fixture(file), file).expect_err(file));
        assert!(e.contains(file) && e.contains(expected), "{file}: {e}");
    }
    // An MP3 whose frames turn into noise after the first quarter.
    let e = message(probe_audio(&fixture("garbled.mp3"), "garbled.mp3").expect_err("garbled"));
    assert!(
        e.contains("garbled.mp3")
            && (e.contains("damaged")
                || e.contains("truncated")
                || e.contains("not an audio file")),
        "{e}"
    );
    // Too short to be a song.
    let dir = tempdir::Dir::new();
    let path = dir.path().join("blip.wav");
    std::fs::write(&path, encore::audio::synth_wav(400, 1)).unwrap();
    let e = message(probe_audio(&path, "blip.wav").unwrap_err());
    assert!(e.contains("shorter than a second"), "{e}");
}

/// A file over the limit, an empty one, or a body that breaks off mid-way: a clear error
/// and no temporary file left behind.
#[tokio::test]
async fn refused_and_interrupted_transfers_leave_nothing() {
    let dir = tempdir::Dir::new();
    let tmp = temp_dir(dir.path());
    let big = vec![7u8; 300 * 1024];
    let chunks: Vec<Result<Bytes, std::io::Error>> = big
        .chunks(4096)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let e = message(
        receive(&tmp, stream::iter(chunks), 256 * 1024, "huge.flac")
            .await
            .unwrap_err(),
    );
    assert!(
        e.contains("huge.flac is larger than the 256 KB limit"),
        "{e}"
    );
    assert_eq!(temp_files(dir.path()), 0);

    let broken: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"fLaC\0\0\0\x22")),
        Ok(Bytes::from(vec![0u8; 10_000])),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset",
        )),
    ];
    let e = message(
        receive(&tmp, stream::iter(broken), 1 << 20, "../../etc/passwd")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("passwd") && e.contains("interrupted"), "{e}");
    assert!(!e.contains("../"), "the client's path is not echoed: {e}");
    assert_eq!(temp_files(dir.path()), 0);

    let empty: Vec<Result<Bytes, std::io::Error>> = vec![];
    let e = message(
        receive(&tmp, stream::iter(empty), 1 << 20, "x.mp3")
            .await
            .unwrap_err(),
    );
    assert!(e.contains("x.mp3 is empty"), "{e}");
    assert_eq!(temp_files(dir.path()), 0);

    // A complete transfer is hashed; keeping it moves it to its content-addressed name.
    let bytes = std::fs::read(fixture("chord.ogg")).unwrap();
    let got = received(dir.path(), bytes.clone(), "chord.ogg").await;
    assert_eq!(got.size, bytes.len() as u64);
    let name = got.keep_as(&dir.path().join("audio"), "ogg").unwrap();
    assert!(encore::repo::catalog::is_safe_media_name(&name), "{name}");
    assert_eq!(
        std::fs::read(dir.path().join("audio").join(&name)).unwrap(),
        bytes
    );
    assert_eq!(temp_files(dir.path()), 0);
}

/// The whole path: only the linked artist uploads; a bad file refuses the whole upload and
/// stores nothing; pending songs are hidden from listeners but previewable by the artist
/// and moderators; approval publishes the song and creates its album; rejection removes
/// the song and tells the artist why; every step is audited.
#[tokio::test]
async fn upload_review_publish_and_reject() {
    let app = TestApp::init().await;
    let (_catalog_dir, _) = small_catalog(&app).await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let artist = songs(&app, 1).await[0].artists[0].id;

    let member = app.user("bandmember").await.session_user();
    let stranger = app.user("stranger").await.session_user();
    let moderator = app.user_with_role("uploadmod", Role::Moderator).await;
    let c = claim(r, &member, artist, "").await.unwrap();
    decide(r, &moderator, c, true, "").await.unwrap();
    let member = encore::model::SessionUser {
        role: Role::Artist,
        ..member
    };
    let form = UploadForm {
        title: String::new(),
        album_title: "Fixture Sessions".into(),
        genre: "jazz".into(),
        explicit: false,
    };
    let file = |name: &'static str| {
        let dir = data.path().to_path_buf();
        async move { received(&dir, std::fs::read(fixture(name)).unwrap(), name).await }
    };

    // Not linked to the artist: refused.
    let e = submit(
        r,
        data.path(),
        &stranger,
        artist,
        form.clone(),
        vec![file("chord.flac").await],
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Forbidden), "{e:?}");

    // One bad file among good ones: nothing is stored.
    let e = submit(
        r,
        data.path(),
        &member,
        artist,
        form.clone(),
        vec![file("chord.flac").await, file("truncated.wav").await],
        None,
    )
    .await
    .unwrap_err();
    assert!(message(e).contains("truncated.wav is truncated"));
    assert_eq!(temp_files(data.path()), 0);
    assert!(!data.path().join("audio").exists(), "no file was kept");
    assert!(pending(r, &moderator).await.unwrap().is_empty());

    // Unknown genre: a field error, nothing stored.
    let e = submit(
        r,
        data.path(),
        &member,
        artist,
        UploadForm {
            genre: "polka-core".into(),
            ..form.clone()
        },
        vec![file("chord.flac").await],
        None,
    )
    .await
    .unwrap_err();
    assert!(message(e).contains("Pick a genre"));

    // Two good files: an EP, tracks in the order sent, titles from the tags.
    let ids = submit(
        r,
        data.path(),
        &member,
        artist,
        form.clone(),
        vec![file("chord.flac").await, file("chord.mp3").await],
        None,
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(temp_files(data.path()), 0);
    let queue = pending(r, &moderator).await.unwrap();
    assert_eq!(
        queue.iter().map(|u| u.title.as_str()).collect::<Vec<_>>(),
        ["Chord in FLAC", "Chord in MP3"]
    );
    assert!(queue
        .iter()
        .all(|u| u.album_type == "ep" && u.uploader == "bandmember"));
    let (s1, _) = r.catalog.song(ids[0]).await.unwrap().unwrap();
    assert_eq!(s1.status, SongStatus::Pending);
    assert_eq!(
        (s1.track_number, s1.album_title.as_str()),
        (1, "Fixture Sessions")
    );
    let stored = data
        .path()
        .join("audio")
        .join(&s1.audio.as_ref().unwrap().file);
    assert_eq!(
        std::fs::read(stored).unwrap(),
        std::fs::read(fixture("chord.flac")).unwrap()
    );
    // Hidden from listeners (and from the album, which does not exist yet).
    assert!(!may_hear(r, &stranger, &s1).await.unwrap());
    assert!(may_hear(r, &member, &s1).await.unwrap());
    assert!(may_hear(r, &moderator, &s1).await.unwrap());
    assert!(r.catalog.album(s1.album_id).await.unwrap().is_none());

    // Listeners and artists cannot review.
    assert!(matches!(pending(r, &member).await, Err(Error::Forbidden)));
    assert!(matches!(
        approve(r, &member, ids[0]).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        reject(r, &stranger, ids[1], "no").await,
        Err(Error::Forbidden)
    ));

    // Approve the first: published, its album appears with one track.
    approve(r, &moderator, ids[0]).await.unwrap();
    assert!(matches!(
        approve(r, &moderator, ids[0]).await,
        Err(Error::Conflict(_))
    ));
    let (s1, _) = r.catalog.song(ids[0]).await.unwrap().unwrap();
    assert_eq!(s1.status, SongStatus::Published);
    assert!(may_hear(r, &stranger, &s1).await.unwrap());
    let album = r.catalog.album(s1.album_id).await.unwrap().unwrap();
    assert_eq!(
        (album.title.as_str(), album.track_count),
        ("Fixture Sessions", 1)
    );
    assert_eq!(album.duration_ms, s1.duration_ms);
    assert_eq!(r.catalog.album_tracks(album.id).await.unwrap().len(), 1);
    let home = r.catalog.home().await.unwrap();
    assert_eq!(
        home.new_releases.first().map(|a| a.id),
        Some(album.id),
        "the newest release on the home page"
    );

    // Reject the second: a reason is required; then the song is gone, the row says why.
    assert!(
        message(reject(r, &moderator, ids[1], "  ").await.unwrap_err())
            .contains("Tell the artist why")
    );
    reject(r, &moderator, ids[1], "Clipping in the chorus.")
        .await
        .unwrap();
    assert!(matches!(
        reject(r, &moderator, ids[1], "again").await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        approve(r, &moderator, ids[1]).await,
        Err(Error::Conflict(_))
    ));
    assert!(r.catalog.song(ids[1]).await.unwrap().is_none());
    let mine = encore::service::uploads::page(r, &member, artist, 1 << 20)
        .await
        .unwrap();
    let rejected = mine.uploads.iter().find(|u| u.id == ids[1]).unwrap();
    assert_eq!(
        (rejected.status.as_str(), rejected.reason.as_str()),
        ("rejected", "Clipping in the chorus.")
    );
    assert!(matches!(
        encore::service::uploads::page(r, &stranger, artist, 1 << 20).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        r.catalog
            .album(album.id)
            .await
            .unwrap()
            .unwrap()
            .track_count,
        1
    );

    let audit: Vec<(String,)> =
        sqlx::query_as("select action from audit_log where action like 'upload.%' order by id")
            .fetch_all(&r.pg)
            .await
            .unwrap();
    assert_eq!(
        audit.into_iter().map(|a| a.0).collect::<Vec<_>>(),
        ["upload.submitted", "upload.approved", "upload.rejected"]
    );
    let _ = Uuid::nil();
}

/// One file with a cover image and an explicit title: a single with the uploaded cover.
#[tokio::test]
async fn a_single_with_its_cover() {
    let app = TestApp::init().await;
    let (_catalog_dir, _) = small_catalog(&app).await;
    let r = &app.repos;
    let data = tempdir::Dir::new();
    let artist = songs(&app, 1).await[0].artists[0].id;
    let admin = app.user_with_role("uploadadmin", Role::Admin).await;
    // A 120×120 PNG made here (an admin may upload for any artist).
    let png = tiny_png(120, 120);
    let cover = received(data.path(), png.clone(), "cover.png").await;
    let ids = submit(
        r,
        data.path(),
        &admin,
        artist,
        UploadForm {
            title: "My Own Title".into(),
            album_title: String::new(),
            genre: "pop".into(),
            explicit: true,
        },
        vec![
            received(
                data.path(),
                std::fs::read(fixture("chord.ogg")).unwrap(),
                "chord.ogg",
            )
            .await,
        ],
        Some(cover),
    )
    .await
    .unwrap();
    let (s, cover) = r.catalog.song(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (s.title.as_str(), s.album_title.as_str(), s.explicit),
        ("My Own Title", "My Own Title", true)
    );
    let cover = cover.unwrap();
    let name = cover.strip_prefix("/media/covers/").unwrap();
    assert!(encore::upload::is_safe_cover_name(name), "{cover}");
    assert_eq!(
        std::fs::read(data.path().join("covers").join(name)).unwrap(),
        png
    );
    approve(r, &admin, ids[0]).await.unwrap();
    let album = r.catalog.album(s.album_id).await.unwrap().unwrap();
    assert_eq!(album.album_type, encore::catalog::AlbumType::Single);
    assert_eq!(album.cover.as_deref(), Some(cover.as_str()));

    // A cover that is not an image, or too small, refuses the upload.
    for (bytes, expected) in [
        (
            b"GIF89a not really".to_vec(),
            "is not a PNG, JPEG or WebP image",
        ),
        (tiny_png(40, 40), "covers are 100 to 5,000 pixels a side"),
        (tiny_png(300, 300)[..600].to_vec(), "is damaged or cut off"),
    ] {
        let e = submit(
            r,
            data.path(),
            &admin,
            artist,
            UploadForm {
                genre: "pop".into(),
                ..Default::default()
            },
            vec![
                received(
                    data.path(),
                    std::fs::read(fixture("chord.ogg")).unwrap(),
                    "chord.ogg",
                )
                .await,
            ],
            Some(received(data.path(), bytes, "cover.gif").await),
        )
        .await
        .unwrap_err();
        assert!(message(e).contains(expected));
    }
    assert_eq!(temp_files(data.path()), 0);

    // The artist's picture: same checks, kept under images/, refused to others.
    let stranger = app.user("imagestranger").await.session_user();
    let png = tiny_png(200, 150);
    let e = encore::service::artists::set_image(
        r,
        data.path(),
        &stranger,
        artist,
        received(data.path(), png.clone(), "me.png").await,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Forbidden));
    let e = encore::service::artists::set_image(
        r,
        data.path(),
        &admin,
        artist,
        received(data.path(), b"nope".repeat(40), "me.png").await,
    )
    .await
    .unwrap_err();
    assert!(message(e).contains("me.png is not a PNG, JPEG or WebP image"));
    encore::service::artists::set_image(
        r,
        data.path(),
        &admin,
        artist,
        received(data.path(), png.clone(), "me.png").await,
    )
    .await
    .unwrap();
    let image = r
        .catalog
        .artist(artist)
        .await
        .unwrap()
        .unwrap()
        .image
        .unwrap();
    let name = image.strip_prefix("/media/images/").unwrap();
    assert_eq!(
        std::fs::read(data.path().join("images").join(name)).unwrap(),
        png
    );
    assert_eq!(temp_files(data.path()), 0);
}

/// A real PNG of the given size.
fn tiny_png(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 2) as u8, (y * 2) as u8, 128]));
    let mut out = std::io::Cursor::new(vec![]);
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}
