"""Drives Encore's ListenBrainz-compatible endpoints with liblistenbrainz (an independent
client library): validate the token, submit single / playing-now / import listens, read
them back page by page; plus bad payloads (nothing stored), privacy and the rate limit.

Run by scripts/test.sh against the Playwright server (same environment as test_subsonic).
"""
import json
import os
import re
import time

import requests
from common import new_listener, run, signed_in
from liblistenbrainz import Listen, ListenBrainz
from liblistenbrainz import errors

BASE = os.environ["E2E_BASE_URL"]
ADMIN = os.environ["E2E_ADMIN_USER"]
KEY = os.environ["SUBSONIC_KEY"]



def token_of(web):
    page = web.get(f"{BASE}/settings", timeout=30).text
    m = re.search(r'aria-label="Your scrobbling token"[^>]*>([0-9a-z-]{36})<', page)
    assert m, "the settings page shows the scrobbling token"
    return m.group(1)


def a_catalog_song():
    """(artist, title, song id) of a published song, found through the Subsonic API."""
    def rest(m, **p):
        return requests.get(f"{BASE}/rest/{m}", params={"apiKey": KEY, "f": "json", **p},
                            timeout=30).json()["subsonic-response"]
    artist = rest("getArtists")["artists"]["index"][0]["artist"][0]
    album = rest("getArtist", id=artist["id"])["artist"]["album"][0]
    song = rest("getAlbum", id=album["id"])["album"]["song"][0]
    return song["artists"][0]["name"], song["title"], song["id"]


def submit_raw(token, body, content_type=None):
    headers = {"Authorization": f"Token {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(f"{BASE}/1/submit-listens", data=body if isinstance(body, str) else json.dumps(body),
                         headers=headers, timeout=60)


def test_submit_and_read_back():
    web = signed_in(ADMIN, os.environ["E2E_ADMIN_PASSWORD"])
    token = token_of(web)
    client = ListenBrainz(api_base_url=BASE)
    client.set_auth_token(token)  # checks /1/validate-token
    artist, title, song_id = a_catalog_song()
    t0 = int(time.time()) - 7200
    single = Listen(track_name=title, artist_name=artist, listened_at=t0)
    client.submit_single_listen(single)
    client.submit_single_listen(Listen(track_name=title, artist_name=artist, listened_at=t0))  # again
    # An import of a band the catalog does not know: kept, not playable, still counted.
    unknown = [Listen(track_name="Nowhere Song", artist_name="Unheard Band", release_name="Lost Tapes",
                      listened_at=t0 + 600 + i * 300, additional_info={"duration_ms": 200_000})
               for i in range(3)]
    client.submit_multiple_listens(unknown)

    listens = client.get_listens(ADMIN, count=100)
    mine = [l for l in listens if l.listened_at == t0]
    assert len(mine) == 1, f"the same listen twice is stored once: {len(mine)}"
    assert mine[0].additional_info["encore_song_id"] == song_id, mine[0].additional_info
    assert mine[0].track_name == title
    lost = [l for l in listens if l.artist_name == "Unheard Band"]
    assert len(lost) == 3 and all(not l.additional_info["playable"] for l in lost), lost
    # Paging by time.
    latest = max(l.listened_at for l in lost)
    older = client.get_listens(ADMIN, max_ts=latest, count=100)
    assert latest not in [l.listened_at for l in older] and t0 in [l.listened_at for l in older]
    newer = client.get_listens(ADMIN, min_ts=t0, count=100)
    assert t0 not in [l.listened_at for l in newer] and latest in [l.listened_at for l in newer]

    # Now playing.
    client.submit_playing_now(Listen(track_name=title, artist_name=artist))
    now = client.get_playing_now(ADMIN)
    assert now is not None and now.track_name == title, now

    # The unknown band reaches the personal stats once the aggregator has counted it.
    for _ in range(60):
        page = web.get(f"{BASE}/stats", timeout=30).text
        if "Unheard Band" in page:
            break
        time.sleep(0.5)
    else:
        top = re.search(r"top_artists.{0,300}", page)
        raise AssertionError(f"unmatched listens count in personal stats: {top and top.group(0)}")


def test_bad_payloads_store_nothing():
    web = signed_in(ADMIN, os.environ["E2E_ADMIN_PASSWORD"])
    token = token_of(web)
    before = requests.get(f"{BASE}/1/user/{ADMIN}/listens", params={"count": 1000},
                          headers={"Authorization": f"Token {token}"}, timeout=30).json()["payload"]["count"]
    now = int(time.time())
    good = {"track_metadata": {"artist_name": "Someone", "track_name": "Something"}, "listened_at": now - 100}
    cases = [
        ("not json", "{nope", 400),
        ("no listened_at", {"listen_type": "single", "payload": [{"track_metadata": good["track_metadata"]}]}, 400),
        ("empty artist", {"listen_type": "import", "payload": [good, {"listened_at": now - 50, "track_metadata": {"artist_name": " ", "track_name": "x"}}]}, 400),
        ("future", {"listen_type": "import", "payload": [good, {**good, "listened_at": now + 86400}]}, 400),
        ("too many", {"listen_type": "import", "payload": [{**good, "listened_at": now - 1000 - i} for i in range(1001)]}, 400),
        ("bad type", {"listen_type": "sometimes", "payload": [good]}, 400),
    ]
    for name, body, status in cases:
        r = submit_raw(token, body)
        assert r.status_code == status, (name, r.status_code, r.text)
        err = r.json()
        assert err["code"] == status and err["error"], (name, err)
    after = requests.get(f"{BASE}/1/user/{ADMIN}/listens", params={"count": 1000},
                         headers={"Authorization": f"Token {token}"}, timeout=30).json()["payload"]["count"]
    assert after == before, f"a refused submission stored nothing ({before} -> {after})"
    # Accepted with a JSON content type too.
    assert submit_raw(token, {"listen_type": "single", "payload": [good]}, "application/json").status_code == 200
    # No token / a wrong token.
    assert requests.post(f"{BASE}/1/submit-listens", data=json.dumps({}), timeout=30).status_code == 401
    assert submit_raw("0" * 36, {"listen_type": "single", "payload": [good]}).status_code == 401
    assert requests.get(f"{BASE}/1/validate-token", params={"token": "0" * 36}, timeout=30).json()["valid"] is False


def test_privacy_and_rate_limit():
    name, web = new_listener("lb")
    token = token_of(web)
    # Another user's listens and playing-now are not for this token.
    for path in (f"/1/user/{ADMIN}/listens", f"/1/user/{ADMIN}/playing-now"):
        r = requests.get(f"{BASE}{path}", headers={"Authorization": f"Token {token}"}, timeout=30)
        assert r.status_code == 403 and r.json()["code"] == 403, (path, r.status_code)
    # A regenerated token replaces the old one.
    web.post(f"{BASE}/api/account/regenerate_listen_token", data={}, allow_redirects=False, timeout=30)
    fresh = token_of(web)
    assert fresh != token
    client = ListenBrainz(api_base_url=BASE)
    try:
        client.set_auth_token(token)
        raise AssertionError("the old token must stop working")
    except errors.InvalidAuthTokenException:
        pass
    # The rate limit: headers on every answer, 429 past the limit.
    h = {"Authorization": f"Token {fresh}"}
    first = requests.get(f"{BASE}/1/validate-token", headers=h, timeout=30)
    limit = int(first.headers["X-RateLimit-Limit"])
    assert int(first.headers["X-RateLimit-Remaining"]) == limit - 1
    assert 0 <= int(first.headers["X-RateLimit-Reset-In"]) <= 60
    codes = [requests.get(f"{BASE}/1/validate-token", headers=h, timeout=30).status_code for _ in range(limit)]
    assert codes[-1] == 429 and codes.count(200) == limit - 1, codes
    last = requests.get(f"{BASE}/1/validate-token", headers=h, timeout=30)
    assert last.status_code == 429 and last.json()["code"] == 429 and "X-RateLimit-Reset-In" in last.headers


if __name__ == "__main__":
    run(globals())
