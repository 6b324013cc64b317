"""Drives Encore's OpenSubsonic API with py-opensonic (an independent client library):
browse -> album -> stream a range -> scrobble -> the play shows in the web UI's history;
plus the three ways to authenticate, XML/JSON/JSONP and the error codes.

Run by scripts/test.sh against the Playwright server. Environment: E2E_BASE_URL,
E2E_ADMIN_USER / E2E_ADMIN_PASSWORD (web sign-in), SUBSONIC_USER, SUBSONIC_KEY (an app
password made with `encore app-password`), SUBSONIC_OTHER_KEY (another user's).
"""
import os
import re
import time
import urllib.parse

import requests
from common import new_listener, run, signed_in
from libopensonic import Connection
from libopensonic import errors

BASE = os.environ["E2E_BASE_URL"]
URL = urllib.parse.urlparse(BASE)
USER = os.environ["SUBSONIC_USER"]
KEY = os.environ["SUBSONIC_KEY"]
ROOT = f"{URL.scheme}://{URL.hostname}"


def conn(**kw):
    return Connection(ROOT, port=URL.port, server_path="", app_name="encore-test", **kw)



def rest(method, **params):
    params.setdefault("apiKey", KEY)
    params.setdefault("c", "encore-test")
    return requests.get(f"{BASE}/rest/{method}", params=params, timeout=30)


def failed_code(resp):
    body = resp.json()["subsonic-response"]
    assert body["status"] == "failed", body
    return body["error"]["code"]


def test_browse_stream_scrobble():
    c = conn(username=USER, password=KEY)  # token auth: t = md5(password + s)
    assert c.ping()
    assert c.get_license()
    names = [e.name for e in c.get_open_subsonic_extensions()]
    assert "apiKeyAuthentication" in names, names
    # py-opensonic 10.4.1 reads musicFolders as a list; the spec (and Encore) nest it.
    folders = rest("getMusicFolders", f="json").json()["subsonic-response"]["musicFolders"]
    assert [f["id"] for f in folders["musicFolder"]] == [1], folders

    index = c.get_artists().index
    assert index, "the catalog has artists"
    artist = index[0].artist[0]
    full = c.get_artist(artist.id)
    assert full.name == artist.name and full.album, full
    album = c.get_album(full.album[0].id)
    assert all(a.song_count > 0 for a in full.album), "albums without playable songs are left out"
    assert album.song, "the album has songs"
    song = album.song[0]
    assert c.get_song(song.id).title == song.title
    # Album lists: every type answers; pages do not overlap; recent/starred are empty.
    newest = c.get_album_list2("newest", size=5)
    assert len(newest) == 5 and all(a.created for a in newest), newest
    assert [a.created for a in newest] == sorted((a.created for a in newest), reverse=True)
    page2 = c.get_album_list2("newest", size=5, offset=5)
    assert not {a.id for a in newest} & {a.id for a in page2}
    by_name = [a.name for a in c.get_album_list2("alphabeticalByName", size=20)]
    assert by_name == sorted(by_name), by_name
    for t in ("frequent", "highest", "alphabeticalByArtist", "random"):
        assert c.get_album_list2(t, size=3), t
    old = c.get_album_list2("byYear", size=50, from_year=2030, to_year=1900)
    years = [a.year for a in old]
    assert years == sorted(years, reverse=True), years
    if album.genre:
        assert all(album.genre in [g.name for g in (a.genres or [])] for a in
                   c.get_album_list2("byGenre", size=10, genre=album.genre))
    assert c.get_album_list2("starred") == []
    c.star(album_ids=[newest[1].id])
    assert [a.id for a in c.get_album_list2("starred")] == [newest[1].id]
    c.unstar(album_ids=[newest[1].id])
    # Recently played: the album of the song played a moment ago comes first.
    # (Another album than the one whose song is scrobbled twice below.)
    played = c.get_album(next(a.id for a in newest if a.id != album.id))
    c.scrobble(played.song[0].id, submission=True)
    assert c.get_album_list2("recent", size=3)[0].id == played.id
    assert failed_code(rest("getAlbumList2", f="json", type="nonsense")) == 0
    found = c.search3(artist.name, artist_count=5, album_count=5, song_count=5)
    assert any(a.id == artist.id for a in (found.artist or [])), found

    # A range of the audio, as a player seeking would ask for it.
    r = requests.get(f"{BASE}/rest/stream.view", params={"id": song.id, "apiKey": KEY, "c": "t"},
                     headers={"Range": "bytes=0-99"}, timeout=30)
    assert r.status_code == 206, r.status_code
    assert len(r.content) == 100 and r.headers["Content-Range"].startswith("bytes 0-99/")
    assert r.headers["Content-Type"].startswith("audio/")
    # Cover art resolves for the album, drawn as a PNG at the size asked for.
    for size in (300, 64):
        art = rest("getCoverArt", id=album.cover_art, size=str(size))
        assert art.status_code == 200 and art.headers["Content-Type"] == "image/png", art.headers
        png = art.content
        assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:16]
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (width, height) == (size, size), (width, height)

    # Scrobble it (listened to a few minutes ago), twice: one play.
    when = int((time.time() - 600) * 1000)
    assert c.scrobble(song.id, submission=True, listen_time=when // 1000)
    assert c.scrobble(song.id, submission=True, listen_time=when // 1000)
    assert c.scrobble(song.id, submission=False)  # now playing: not a play

    # The web UI (signed in as the same user) shows the play in history.
    web = signed_in(os.environ["E2E_ADMIN_USER"], os.environ["E2E_ADMIN_PASSWORD"])
    page = web.get(f"{BASE}/history", timeout=30).text
    assert song.title in page, "the scrobbled song is in the web history"
    entries = web.post(f"{BASE}/api/listening/history", data={}, timeout=30,
                       headers={"Accept": "application/json"}).json()
    plays = [e for e in entries if song.id in str(e)]
    assert len(plays) == 1, f"one play for two identical scrobbles, got {len(plays)}"
    c.cleanup()


def test_playlists_stars_genres():
    c = conn(username=USER, password=KEY)
    index = c.get_artists().index
    artist = index[0].artist[0]
    album = c.get_album(c.get_artist(artist.id).album[0].id)
    songs = [s.id for a in c.get_album_list2("newest", size=5) for s in (c.get_album(a.id).song or [])][:4]
    assert len(songs) >= 3, songs
    assert c.get_indexes() and c.get_artist_info2(artist.id) is not None and c.get_album_info2(album.id) is not None

    genres = c.get_genres()
    assert genres and all(g.song_count > 0 for g in genres), genres
    in_genre = c.get_songs_by_genre(genres[0].value, count=5)
    assert in_genre and all(genres[0].value in [g.name for g in (x.genres or [])] for x in in_genre)
    assert 1 <= len(c.get_random_songs(size=5)) <= 5

    # Stars: songs, albums, artists (likes and follows in the web UI), and back.
    c.star(sids=[songs[0]], album_ids=[album.id], artist_ids=[artist.id])
    starred = c.get_starred2()
    assert [x.id for x in starred.song or []] == [songs[0]], starred
    assert [x.id for x in starred.album or []] == [album.id] and [x.id for x in starred.artist or []] == [artist.id]
    c.unstar(sids=[songs[0]], album_ids=[album.id], artist_ids=[artist.id])
    assert rest("getStarred2", f="json").json()["subsonic-response"]["starred2"] == {}
    assert failed_code(rest("star", f="json", id="00000000-0000-0000-0000-000000000000")) == 70

    # Playlists: create with songs, rename + add + remove by index, see it on the web.
    c.create_playlist(name="From an app", song_ids=songs[:2])
    mine = [p for p in c.get_playlists() if p.name == "From an app"]
    assert len(mine) == 1 and mine[0].song_count == 2, mine
    pid = mine[0].id
    c.update_playlist(pid, name="Renamed by an app", song_ids_to_add=[songs[2]], song_indices_to_remove=[0])
    pl = c.get_playlist(pid)
    assert pl.name == "Renamed by an app" and [e.id for e in pl.entry] == [songs[1], songs[2]], pl
    web = signed_in(os.environ["E2E_ADMIN_USER"], os.environ["E2E_ADMIN_PASSWORD"])
    assert "Renamed by an app" in web.get(f"{BASE}/library", timeout=30).text
    # Another user never reaches this private playlist, nor changes or deletes it.
    name, other = new_listener("pl")
    assert other.post(f"{BASE}/api/account/create_app_password", data={"name": "x"},
                      allow_redirects=False, timeout=30).status_code in (302, 303)
    key = re.search(r'aria-label="App password for x"[^>]*>([A-Za-z0-9]{24})<',
                    other.get(f"{BASE}/settings", timeout=30).text).group(1)
    assert failed_code(rest("getPlaylist", f="json", id=pid, apiKey=key)) == 70
    assert failed_code(rest("updatePlaylist", f="json", playlistId=pid, name="mine now", apiKey=key)) == 70
    assert failed_code(rest("deletePlaylist", f="json", id=pid, apiKey=key)) == 70
    assert not any(p.id == pid for p in conn(api_key=key).get_playlists())
    assert c.delete_playlist(pid)
    assert failed_code(rest("getPlaylist", f="json", id=pid)) == 70
    c.cleanup()


def test_play_queue_and_now_playing():
    c = conn(username=USER, password=KEY)
    ids = [s.id for a in c.get_album_list2("newest", size=5) for s in (c.get_album(a.id).song or [])][:3]
    assert len(ids) == 3, ids
    c.save_play_queue(ids, current=ids[-1], position=12345)
    q = c.get_play_queue()
    assert [e.id for e in q.entry] == ids and q.current == ids[-1] and q.position == 12345, q
    assert q.changed_by == "encore-test"
    assert failed_code(rest("savePlayQueue", f="json", id=ids[0], current=ids[1])) == 0
    # A listener who follows this user sees what they played (the scrobble above).
    name, other = new_listener("np")
    assert other.post(f"{BASE}/api/social/follow_user", data={"username": USER, "follow": "true"},
                      allow_redirects=False, timeout=30).status_code in (302, 303, 200)
    other.post(f"{BASE}/api/account/create_app_password", data={"name": "y"}, allow_redirects=False, timeout=30)
    key = re.search(r'aria-label="App password for y"[^>]*>([A-Za-z0-9]{24})<',
                    other.get(f"{BASE}/settings", timeout=30).text).group(1)
    rows = conn(api_key=key).get_now_playing()
    assert any(r.username == USER for r in rows), rows
    # ...and not their play queue.
    assert "playQueue" not in rest("getPlayQueue", f="json", apiKey=key).json()["subsonic-response"]
    c.cleanup()


def test_other_auth_and_formats():
    legacy = conn(username=USER, password=KEY, legacy_auth=True)  # p=enc:<hex>
    assert legacy.ping()
    legacy.cleanup()
    keyed = conn(api_key=KEY)
    assert keyed.ping()
    keyed.cleanup()
    plain = requests.post(f"{BASE}/rest/ping", data={"u": USER, "p": KEY, "c": "t", "f": "json"}, timeout=30)
    assert plain.json()["subsonic-response"]["status"] == "ok"
    xml = requests.get(f"{BASE}/rest/ping.view", params={"u": USER, "p": KEY, "c": "t"}, timeout=30)
    assert xml.headers["Content-Type"].startswith("text/xml")
    assert re.search(r'<subsonic-response xmlns="http://subsonic.org/restapi"[^>]*status="ok"', xml.text), xml.text
    assert 'openSubsonic="true"' in xml.text
    jsonp = rest("ping", f="jsonp", callback="cb")
    assert jsonp.text.startswith("cb({") and jsonp.text.endswith(");"), jsonp.text
    empty = rest("search3", query="zzzzqqqxxnothing", f="json").json()["subsonic-response"]
    assert empty["status"] == "ok" and empty["searchResult3"] == {}, empty


def test_errors():
    # Wrong password (the account password is not an app password either).
    bad = conn(username=USER, password=os.environ["E2E_ADMIN_PASSWORD"])
    try:
        bad.ping()
        raise AssertionError("the account password must not work")
    except errors.SonicError as e:
        assert "Wrong username or password" in str(e), e
    bad.cleanup()
    assert failed_code(requests.get(f"{BASE}/rest/ping", params={"f": "json"}, timeout=30)) == 10
    assert failed_code(rest("ping", f="json", u=USER)) == 43
    assert failed_code(rest("ping", f="json", apiKey="x" * 24)) == 44
    assert failed_code(rest("getAlbum", f="json", id="00000000-0000-0000-0000-000000000000")) == 70
    assert failed_code(rest("getAlbum", f="json")) == 10


def test_a_listener_made_in_the_web_ui():
    """Sign up in the web UI, make an app password in settings, use it; revoke it."""
    name, web = new_listener("api")
    assert web.post(f"{BASE}/api/account/create_app_password", data={"name": "Phone"},
                    allow_redirects=False, timeout=30).status_code in (302, 303)
    page = web.get(f"{BASE}/settings", timeout=30).text
    key = re.search(r'aria-label="App password for Phone"[^>]*>([A-Za-z0-9]{24})<', page)
    assert key, "the settings page shows the app password"
    key = key.group(1)
    listener = conn(username=name, password=key)
    assert listener.ping()
    listener.cleanup()
    # A listener sees no other account.
    assert failed_code(rest("getUser", f="json", username=USER, apiKey=key)) == 50
    ok = rest("getUser", f="json", username=name, apiKey=key).json()["subsonic-response"]
    assert ok["user"]["adminRole"] is False, ok
    # Another user cannot revoke it; its owner can, and then it stops working.
    ids = re.findall(r'name="id" value="([0-9a-f-]{36})"', web.get(f"{BASE}/settings", timeout=30).text)
    assert len(ids) == 1, ids
    stranger = signed_in(os.environ["E2E_ADMIN_USER"], os.environ["E2E_ADMIN_PASSWORD"])
    stranger.post(f"{BASE}/api/account/revoke_app_password", data={"id": ids[0]}, allow_redirects=False, timeout=30)
    assert rest("ping", f="json", apiKey=key).json()["subsonic-response"]["status"] == "ok"
    web.post(f"{BASE}/api/account/revoke_app_password", data={"id": ids[0]}, allow_redirects=False, timeout=30)
    assert failed_code(rest("ping", f="json", apiKey=key)) == 44

if __name__ == "__main__":
    run(globals())
