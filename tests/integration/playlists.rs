use std::sync::Arc;

use encore::{
    catalog::SongRow,
    model::SessionUser,
    playlists::*,
    service::playlists::{self as svc, reconcile},
    Error,
};
use uuid::Uuid;

use crate::{catalog::small_catalog, songs, TestApp};

async fn order(app: &TestApp, id: Uuid, who: &SessionUser) -> Vec<Uuid> {
    svc::page(&app.repos, id, Some(who), None)
        .await
        .unwrap()
        .items
        .iter()
        .map(|i| i.song.id)
        .collect()
}

struct World {
    app: Arc<TestApp>,
    owner: SessionUser,
    editor: SessionUser,
    viewer: SessionUser,
    stranger: SessionUser,
    songs: Vec<SongRow>,
    id: Uuid,
}

async fn world(visibility: Visibility) -> World {
    let app = Arc::new(TestApp::init().await);
    small_catalog(&app).await;
    let owner = app.user("owner").await.session_user();
    let editor = app.user("editor").await.session_user();
    let viewer = app.user("viewer").await.session_user();
    let stranger = app.user("stranger").await.session_user();
    let songs = songs(&app, 12).await;
    let id = svc::create(&app.repos, &owner, "Road trip", "", visibility)
        .await
        .unwrap();
    svc::update(
        &app.repos,
        &owner,
        id,
        "Road trip",
        "Long drives",
        visibility,
        true,
    )
    .await
    .unwrap();
    svc::set_collaborator(&app.repos, &owner, id, "editor", CollabRole::Editor)
        .await
        .unwrap();
    svc::set_collaborator(&app.repos, &owner, id, "Viewer", CollabRole::Viewer)
        .await
        .unwrap();
    World {
        app,
        owner,
        editor,
        viewer,
        stranger,
        songs,
        id,
    }
}

#[tokio::test]
async fn create_add_reorder_remove_and_counts() {
    let w = world(Visibility::Public).await;
    let r = &w.app.repos;
    for s in &w.songs[..4] {
        svc::add_song(r, &w.owner, w.id, s.id).await.unwrap();
    }
    match svc::add_song(r, &w.owner, w.id, w.songs[0].id).await {
        Err(Error::Conflict(m)) => assert_eq!(m, "That song is already in this playlist."),
        other => panic!("{other:?}"),
    }
    let p = r.playlists.get(w.id).await.unwrap().unwrap();
    assert_eq!(p.track_count, 4);
    assert_eq!(
        p.total_duration_ms as u64,
        w.songs[..4].iter().map(|s| s.duration_ms).sum::<u64>()
    );

    // Move the last song to the front, then the first to the end.
    let page = svc::page(r, w.id, Some(&w.owner), None).await.unwrap();
    let items: Vec<Uuid> = page.items.iter().map(|i| i.item_id).collect();
    // The cover is the first song's album cover, and follows the first song.
    let cover = |i: usize| w.songs[i].cover.clone();
    assert!(cover(0).is_some());
    assert_eq!(page.playlist.cover, cover(0));
    let v = svc::move_item(
        r,
        &w.owner,
        w.id,
        items[3],
        Some(items[0]),
        page.playlist.version,
    )
    .await
    .unwrap();
    assert_eq!(
        order(&w.app, w.id, &w.owner).await,
        vec![w.songs[3].id, w.songs[0].id, w.songs[1].id, w.songs[2].id]
    );
    assert_eq!(
        r.playlists.get(w.id).await.unwrap().unwrap().cover,
        cover(3)
    );
    svc::move_item(r, &w.owner, w.id, items[3], None, v)
        .await
        .unwrap();
    assert_eq!(
        order(&w.app, w.id, &w.owner).await,
        vec![w.songs[0].id, w.songs[1].id, w.songs[2].id, w.songs[3].id]
    );
    assert_eq!(
        r.playlists.get(w.id).await.unwrap().unwrap().cover,
        cover(0)
    );

    // A reorder made against an old version is refused and says why.
    match svc::move_item(r, &w.owner, w.id, items[0], None, page.playlist.version).await {
        Err(Error::Conflict(m)) => assert!(m.contains("changed this playlist"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        order(&w.app, w.id, &w.owner).await[0],
        w.songs[0].id,
        "nothing moved"
    );

    // Public playlists are found by title; wildcards are plain characters.
    assert_eq!(
        r.playlists.search_public("road TR", 5).await.unwrap().len(),
        1
    );
    assert!(r.playlists.search_public("%", 5).await.unwrap().is_empty());

    svc::remove_item(r, &w.owner, w.id, items[1]).await.unwrap();
    assert!(matches!(
        svc::remove_item(r, &w.owner, w.id, items[1]).await,
        Err(Error::Conflict(_))
    ));
    svc::remove_item(r, &w.owner, w.id, items[0]).await.unwrap();
    assert_eq!(
        r.playlists.get(w.id).await.unwrap().unwrap().cover,
        cover(2),
        "the new first song's cover"
    );
    let p = r.playlists.get(w.id).await.unwrap().unwrap();
    assert_eq!(p.track_count, 2);
    assert_eq!(
        order(&w.app, w.id, &w.owner).await,
        vec![w.songs[2].id, w.songs[3].id]
    );
}

#[tokio::test]
async fn every_action_checks_permissions_on_the_server() {
    let w = world(Visibility::Private).await;
    let r = &w.app.repos;
    svc::add_song(r, &w.owner, w.id, w.songs[0].id)
        .await
        .unwrap();
    let item = svc::page(r, w.id, Some(&w.owner), None)
        .await
        .unwrap()
        .items[0]
        .item_id;
    let version = r.playlists.get(w.id).await.unwrap().unwrap().version;

    // Strangers do not even learn that a private playlist exists.
    assert!(matches!(
        svc::page(r, w.id, Some(&w.stranger), None).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::page(r, w.id, None, None).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::add_song(r, &w.stranger, w.id, w.songs[1].id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::remove_item(r, &w.stranger, w.id, item).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::move_item(r, &w.stranger, w.id, item, None, version).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::delete(r, &w.stranger, w.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::update(r, &w.stranger, w.id, "x", "", Visibility::Public, true).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        svc::set_collaborator(r, &w.stranger, w.id, "stranger", CollabRole::Editor).await,
        Err(Error::NotFound)
    ));

    // Viewers can open it but change nothing.
    let vp = svc::page(r, w.id, Some(&w.viewer), None).await.unwrap();
    assert_eq!(
        vp.rights,
        PlaylistRights {
            edit_items: false,
            manage: false,
            save: false
        }
    );
    assert!(matches!(
        svc::add_song(r, &w.viewer, w.id, w.songs[1].id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        svc::remove_item(r, &w.viewer, w.id, item).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        svc::move_item(r, &w.viewer, w.id, item, None, version).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        svc::set_collaborator(r, &w.viewer, w.id, "viewer", CollabRole::Editor).await,
        Err(Error::Forbidden)
    ));

    // Editors edit items, but not the details, the collaborators, or deletion.
    svc::add_song(r, &w.editor, w.id, w.songs[1].id)
        .await
        .unwrap();
    assert!(matches!(
        svc::update(r, &w.editor, w.id, "Mine now", "", Visibility::Public, true).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        svc::delete(r, &w.editor, w.id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        svc::remove_collaborator(r, &w.editor, w.id, w.viewer.id).await,
        Err(Error::Forbidden)
    ));
    // … and stop being able to once the owner turns collaboration off.
    svc::update(
        r,
        &w.owner,
        w.id,
        "Road trip",
        "",
        Visibility::Private,
        false,
    )
    .await
    .unwrap();
    assert!(matches!(
        svc::add_song(r, &w.editor, w.id, w.songs[2].id).await,
        Err(Error::Forbidden)
    ));

    // The owner removes a collaborator: their access ends.
    svc::remove_collaborator(r, &w.owner, w.id, w.viewer.id)
        .await
        .unwrap();
    assert!(matches!(
        svc::page(r, w.id, Some(&w.viewer), None).await,
        Err(Error::NotFound)
    ));
    // An item id from another playlist does nothing here.
    let other = svc::create(r, &w.stranger, "Other", "", Visibility::Public)
        .await
        .unwrap();
    svc::add_song(r, &w.stranger, other, w.songs[5].id)
        .await
        .unwrap();
    let other_item = svc::page(r, other, Some(&w.stranger), None)
        .await
        .unwrap()
        .items[0]
        .item_id;
    assert!(matches!(
        svc::remove_item(r, &w.owner, w.id, other_item).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        r.playlists.get(other).await.unwrap().unwrap().track_count,
        1
    );
    // Blocked users cannot be invited.
    sqlx::query("insert into blocks (blocker_id, blocked_id) values ($1, $2)")
        .bind(w.owner.id)
        .bind(w.stranger.id)
        .execute(&r.pg)
        .await
        .unwrap();
    assert!(matches!(
        svc::set_collaborator(r, &w.owner, w.id, "stranger", CollabRole::Viewer).await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_editors_adding_at_once_lose_and_duplicate_nothing() {
    let w = world(Visibility::Public).await;
    let tasks: Vec<_> = [w.owner.clone(), w.editor.clone()]
        .into_iter()
        .map(|who| {
            let (app, songs, id) = (w.app.clone(), w.songs.clone(), w.id);
            tokio::spawn(async move {
                let mut added = 0;
                // Both try every song: each must end up exactly once.
                for s in &songs {
                    match svc::add_song(&app.repos, &who, id, s.id).await {
                        Ok(_) => added += 1,
                        Err(Error::Conflict(_)) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
                added
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, w.songs.len());
    let mut got = order(&w.app, w.id, &w.owner).await;
    assert_eq!(got.len(), w.songs.len());
    got.sort();
    got.dedup();
    assert_eq!(got.len(), w.songs.len());
    assert_eq!(
        w.app
            .repos
            .playlists
            .get(w.id)
            .await
            .unwrap()
            .unwrap()
            .track_count as usize,
        w.songs.len()
    );

    // Concurrent reorders against the same version: exactly one wins, the rest are told.
    let page = svc::page(&w.app.repos, w.id, Some(&w.owner), None)
        .await
        .unwrap();
    let v = page.playlist.version;
    let moves: Vec<_> = (0..6)
        .map(|i| {
            let (app, who, id) = (
                w.app.clone(),
                if i % 2 == 0 {
                    w.owner.clone()
                } else {
                    w.editor.clone()
                },
                w.id,
            );
            let item = page.items[i].item_id;
            tokio::spawn(async move { svc::move_item(&app.repos, &who, id, item, None, v).await })
        })
        .collect();
    let mut ok = 0;
    for m in moves {
        match m.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(order(&w.app, w.id, &w.owner).await.len(), w.songs.len());
}

#[tokio::test]
async fn the_reconciler_repairs_a_crash_between_the_two_stores() {
    let w = world(Visibility::Public).await;
    let r = &w.app.repos;
    svc::add_song(r, &w.owner, w.id, w.songs[0].id)
        .await
        .unwrap();
    // Crash after the MongoDB write, before the PostgreSQL count: the item is there, the
    // count is not.
    r.playlists
        .add_item(
            w.id,
            w.songs[1].id,
            w.songs[1].duration_ms as i64,
            w.owner.id,
        )
        .await
        .unwrap();
    assert_eq!(r.playlists.get(w.id).await.unwrap().unwrap().track_count, 1);
    assert_eq!(
        order(&w.app, w.id, &w.owner).await.len(),
        2,
        "the playlist still reads correctly"
    );

    // Crash in a delete: the row is gone, the items are not.
    let gone = svc::create(r, &w.owner, "Gone", "", Visibility::Public)
        .await
        .unwrap();
    r.playlists
        .add_item(gone, w.songs[2].id, 1000, w.owner.id)
        .await
        .unwrap();
    r.playlists
        .add_item(gone, w.songs[3].id, 1000, w.owner.id)
        .await
        .unwrap();
    r.playlists.delete(gone).await.unwrap();

    // And a crash before the cover was set: the reconciler sets it.
    r.playlists.set_cover(w.id, None).await.unwrap();

    let report = reconcile(r).await.unwrap();
    assert_eq!(
        (
            report.counts_fixed,
            report.orphan_playlists,
            report.orphan_items
        ),
        (1, 1, 2)
    );
    assert_eq!(
        r.playlists.get(w.id).await.unwrap().unwrap().cover,
        w.songs[0].cover
    );
    let p = r.playlists.get(w.id).await.unwrap().unwrap();
    assert_eq!(p.track_count, 2);
    assert_eq!(
        p.total_duration_ms as u64,
        w.songs[0].duration_ms + w.songs[1].duration_ms
    );
    assert!(r.playlists.items(gone, None, 10).await.unwrap().is_empty());
    // Idempotent.
    let again = reconcile(r).await.unwrap();
    assert_eq!((again.counts_fixed, again.orphan_playlists), (0, 0));
}

#[tokio::test]
async fn many_moves_into_one_gap_stay_ordered() {
    let w = world(Visibility::Public).await;
    let r = &w.app.repos;
    for s in &w.songs[..3] {
        svc::add_song(r, &w.owner, w.id, s.id).await.unwrap();
    }
    // Repeatedly move the last item between the first two: positions halve each time
    // until the playlist is renumbered.
    for _ in 0..60 {
        let page = svc::page(r, w.id, Some(&w.owner), None).await.unwrap();
        let items: Vec<Uuid> = page.items.iter().map(|i| i.item_id).collect();
        svc::move_item(
            r,
            &w.owner,
            w.id,
            items[2],
            Some(items[1]),
            page.playlist.version,
        )
        .await
        .unwrap();
    }
    let got = order(&w.app, w.id, &w.owner).await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], w.songs[0].id);
}

#[tokio::test]
async fn the_data_export_holds_the_users_own_data_only() {
    let w = world(Visibility::Private).await;
    let r = &w.app.repos;
    svc::add_song(r, &w.owner, w.id, w.songs[0].id)
        .await
        .unwrap();
    r.accounts
        .set_song_like(w.owner.id, w.songs[1].id, true)
        .await
        .unwrap();
    r.accounts
        .set_song_like(w.stranger.id, w.songs[2].id, true)
        .await
        .unwrap();
    let v = encore::service::export::export_user_data(r, &w.owner)
        .await
        .unwrap();
    assert_eq!(v["account"]["username"], "owner");
    assert_eq!(v["playlists"][0]["title"], "Road trip");
    assert_eq!(
        v["playlists"][0]["songs"][0]["song_id"],
        w.songs[0].id.to_string()
    );
    assert_eq!(
        v["liked_songs"],
        serde_json::json!([w.songs[1].id.to_string()])
    );
    let text = v.to_string();
    assert!(
        !text.contains(&w.songs[2].id.to_string()),
        "another user's like leaked"
    );
    assert!(!text.contains("password"), "no password hash in the export");
}

/// Reads page through position windows (bounds kept in PostgreSQL); whatever the
/// positions look like after removals and moves, the pages are the full order, each item
/// once, and a row from before the bounds existed still reads completely.
#[tokio::test]
async fn long_playlists_read_in_position_windows() {
    let w = world(Visibility::Public).await;
    let r = &w.app.repos;
    let songs: Vec<(Uuid, i64)> = (0..400).map(|_| (Uuid::new_v4(), 1000)).collect();
    r.playlists
        .append_items(w.id, &songs, w.owner.id)
        .await
        .unwrap();
    let all = r.playlists.items(w.id, None, 1000).await.unwrap();
    let mut expect: Vec<Uuid> = songs.iter().map(|s| s.0).collect();
    assert_eq!(all.iter().map(|d| d.song_id).collect::<Vec<_>>(), expect);

    // A sparse middle: most of items 50..350 removed.
    for (i, d) in all.iter().enumerate().skip(50).take(300) {
        if i % 9 != 0 {
            r.playlists.remove_item(w.id, d.item_id).await.unwrap();
        }
    }
    expect = all
        .iter()
        .enumerate()
        .filter(|(i, _)| !(50..350).contains(i) || i % 9 == 0)
        .map(|(_, d)| d.song_id)
        .collect();
    // The last item moves before the first (a position below every earlier one), the
    // eleventh to the end, and one into the sparse middle.
    let item_of = |song: Uuid| all.iter().find(|d| d.song_id == song).unwrap().item_id;
    let (first, last) = (expect[0], *expect.last().unwrap());
    assert!(r
        .playlists
        .move_before(w.id, item_of(last), Some(item_of(first)))
        .await
        .unwrap());
    let s = expect.pop().unwrap();
    expect.insert(0, s);
    let s = expect.remove(11);
    assert!(r
        .playlists
        .move_before(w.id, item_of(s), None)
        .await
        .unwrap());
    expect.push(s);
    let s = expect.remove(3);
    let at = expect.len() / 2;
    assert!(r
        .playlists
        .move_before(w.id, item_of(s), Some(item_of(expect[at])))
        .await
        .unwrap());
    expect.insert(at, s);

    let read_all = |limit: i64| async move {
        let mut got = vec![];
        let mut after = None;
        loop {
            let page = r.playlists.items(w.id, after, limit).await.unwrap();
            got.extend(page.iter().map(|d| d.song_id));
            if (page.len() as i64) < limit {
                break got;
            }
            after = page.last().map(|d| d.pos);
        }
    };
    assert_eq!(read_all(25).await, expect);
    assert_eq!(read_all(7).await, expect);
    assert_eq!(
        r.playlists.first_item(w.id).await.unwrap().unwrap().song_id,
        expect[0]
    );
    assert_eq!(
        r.playlists.last_item(w.id).await.unwrap().unwrap().song_id,
        *expect.last().unwrap()
    );

    // A row from before the bounds existed.
    sqlx::query("update playlists set pos_min = null, pos_max = null where id = $1")
        .bind(w.id)
        .execute(&r.pg)
        .await
        .unwrap();
    assert_eq!(read_all(50).await, expect);
    let s = songs[60].0; // removed above (60 % 9 != 0), so it can be added again
    r.playlists
        .add_item(w.id, s, 1000, w.owner.id)
        .await
        .unwrap();
    expect.push(s);
    assert_eq!(
        read_all(50).await,
        expect,
        "an append after the bounds were filled goes last"
    );
}
