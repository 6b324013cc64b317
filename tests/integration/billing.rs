use std::sync::Arc;

use encore::{
    model::Role,
    service::billing::{
        cancel, my_plan, plans_page, request_skip, subscribe, update_plan, TestMode,
    },
    Error,
};
use uuid::Uuid;

use crate::TestApp;

const OK: &str = "4242 4242 4242 4242";
const DECLINED: &str = "4000 0000 0000 0002";

async fn payments(app: &TestApp, status: &str) -> i64 {
    sqlx::query_scalar("select count(*) from payments where status = $1")
        .bind(status)
        .fetch_one(&app.repos.pg)
        .await
        .unwrap()
}

/// Upgrade, decline, resubmit, downgrade and cancel through the test-mode provider; the
/// admins' plan editor; skip limits enforced by the server, also under concurrency.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subscriptions_payments_and_free_tier_skips() {
    let app = Arc::new(TestApp::init().await);
    let r = &app.repos;
    let me = app.user("payer").await.session_user();
    let page = plans_page(r, &me).await.unwrap();
    assert_eq!(page.plans.len(), 4);
    assert_eq!(page.mine.plan.code, "free");

    // A declined card changes nothing but a declined-payment record; a wrong card, nothing.
    assert!(matches!(
        subscribe(r, &TestMode, &me, "premium", DECLINED, Uuid::new_v4()).await,
        Err(Error::Invalid(e)) if e.get("card").is_some()
    ));
    assert!(matches!(
        subscribe(r, &TestMode, &me, "premium", "1234", Uuid::new_v4()).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(my_plan(r, &me).await.unwrap().plan.code, "free");
    assert_eq!(
        (
            payments(&app, "declined").await,
            payments(&app, "succeeded").await
        ),
        (1, 0)
    );
    assert!(matches!(
        subscribe(r, &TestMode, &me, "nonsense", OK, Uuid::new_v4()).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        subscribe(r, &TestMode, &me, "free", OK, Uuid::new_v4()).await,
        Err(Error::Invalid(_))
    ));

    // Upgrade; the same form submitted again pays nothing more.
    let key = Uuid::new_v4();
    subscribe(r, &TestMode, &me, "premium", OK, key)
        .await
        .unwrap();
    let mine = my_plan(r, &me).await.unwrap();
    assert_eq!((mine.plan.code.as_str(), mine.canceled), ("premium", false));
    assert!(mine.period_end.unwrap() > chrono::Utc::now() + chrono::Duration::days(27));
    assert!(matches!(
        subscribe(r, &TestMode, &me, "premium", OK, key).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        subscribe(r, &TestMode, &me, "premium", OK, Uuid::new_v4()).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(payments(&app, "succeeded").await, 1);

    // Downgrade to Student, then cancel: Student runs to the end of the period.
    subscribe(r, &TestMode, &me, "student", OK, Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(my_plan(r, &me).await.unwrap().plan.code, "student");
    let active: i64 = sqlx::query_scalar(
        "select count(*) from user_subscriptions where user_id = $1 and status = 'active'",
    )
    .bind(me.id)
    .fetch_one(&r.pg)
    .await
    .unwrap();
    assert_eq!(active, 1, "one active subscription at a time");
    cancel(r, &me).await.unwrap();
    let mine = my_plan(r, &me).await.unwrap();
    assert_eq!((mine.plan.code.as_str(), mine.canceled), ("student", true));
    assert!(matches!(cancel(r, &me).await, Err(Error::Conflict(_))));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action like 'subscription.%' and actor_id = $1",
    )
    .bind(me.id)
    .fetch_one(&r.pg)
    .await
    .unwrap();
    assert_eq!(audited, 3);
    // A paying (student) listener skips without limit.
    for _ in 0..10 {
        assert_eq!(request_skip(r, &me).await.unwrap(), None);
    }

    // Free: 6 skips an hour, even when 10 arrive at once.
    let free = app.user("freeskipper").await.session_user();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (app, free) = (app.clone(), free.clone());
            tokio::spawn(async move { request_skip(&app.repos, &free).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Some(_)) => ok += 1,
            Err(Error::RateLimited(m)) => assert!(m.contains("6 songs an hour"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ok, 6);

    // Admins edit plans (audited); everyone else is refused; bad input changes nothing.
    let admin = app.user_with_role("planadmin", Role::Admin).await;
    assert!(matches!(
        update_plan(r, &me, "free", "Free", "0", "3", "normal", true).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        update_plan(r, &admin, "premium", "Premium", "ten", "", "high", true).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        update_plan(r, &admin, "free", "Free", "1.00", "6", "normal", true).await,
        Err(Error::Invalid(_))
    ));
    update_plan(r, &admin, "free", "Free", "0", "8", "normal", true)
        .await
        .unwrap();
    let other = app.user("freeskipper2").await.session_user();
    for i in 0..8 {
        assert_eq!(request_skip(r, &other).await.unwrap(), Some(7 - i));
    }
    assert!(matches!(
        request_skip(r, &other).await,
        Err(Error::RateLimited(_))
    ));
    update_plan(
        r, &admin, "premium", "Premium", "11.49", "", "lossless", true,
    )
    .await
    .unwrap();
    let premium = r.billing.plan("premium").await.unwrap().unwrap();
    assert_eq!(
        (premium.price_cents, premium.audio_quality.as_str()),
        (1149, "lossless")
    );
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'plan.updated'")
            .fetch_one(&r.pg)
            .await
            .unwrap();
    assert_eq!(audited, 2);
}

struct Declines;
impl encore::service::billing::PaymentProvider for Declines {
    fn name(&self) -> &'static str {
        "declines"
    }
    fn charge<'a>(
        &'a self,
        c: &'a encore::service::billing::Charge<'a>,
    ) -> encore::service::billing::BoxFuture<
        'a,
        encore::Result<encore::service::billing::ChargeOutcome>,
    > {
        Box::pin(async move {
            Ok(encore::service::billing::ChargeOutcome::Declined {
                reference: format!("no_{}", c.idempotency_key.simple()),
                reason: "insufficient funds".into(),
            })
        })
    }
    fn refund<'a>(
        &'a self,
        _reference: &'a str,
    ) -> encore::service::billing::BoxFuture<'a, encore::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// At the end of a period: active subscriptions renew once (however often the job runs),
/// a declined renewal is past due (back to Free), a cancelled one expires.
#[tokio::test]
async fn renewals_at_the_end_of_the_period() {
    use encore::service::billing::renew_due;
    let app = TestApp::init().await;
    let r = &app.repos;
    let (a, b, c) = (
        app.user("renewa").await.session_user(),
        app.user("renewb").await.session_user(),
        app.user("renewc").await.session_user(),
    );
    for u in [&a, &b, &c] {
        subscribe(r, &TestMode, u, "premium", OK, Uuid::new_v4())
            .await
            .unwrap();
    }
    cancel(r, &c).await.unwrap();
    // Time passes: every period ended a minute ago.
    sqlx::query("update user_subscriptions set started_at = now() - interval '31 days', current_period_end = now() - interval '1 minute'")
        .execute(&r.pg)
        .await
        .unwrap();
    let before = |u: &encore::model::SessionUser| {
        let id = u.id;
        async move {
            sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
                "select current_period_end from user_subscriptions where user_id = $1 order by started_at desc limit 1",
            )
            .bind(id)
            .fetch_one(&r.pg)
            .await
            .unwrap()
        }
    };
    let old_end = before(&a).await;

    // b's renewal is declined first (a provider that declines everything): b only.
    sqlx::query("update user_subscriptions set current_period_end = current_period_end + interval '1 day' where user_id <> $1")
        .bind(b.id)
        .execute(&r.pg)
        .await
        .unwrap();
    let declined = renew_due(r, &Declines).await.unwrap();
    assert_eq!(
        (declined.renewed, declined.past_due, declined.expired),
        (0, 1, 0)
    );
    assert_eq!(
        my_plan(r, &b).await.unwrap().plan.code,
        "free",
        "past due is back to Free"
    );
    sqlx::query("update user_subscriptions set current_period_end = current_period_end - interval '1 day' where user_id <> $1")
        .bind(b.id)
        .execute(&r.pg)
        .await
        .unwrap();

    let report = renew_due(r, &TestMode).await.unwrap();
    assert_eq!((report.renewed, report.past_due, report.expired), (1, 0, 1));
    let again = renew_due(r, &TestMode).await.unwrap();
    assert_eq!(
        (again.renewed, again.expired),
        (0, 0),
        "nothing renews twice"
    );
    let new_end = before(&a).await;
    assert!(
        new_end > old_end + chrono::Duration::days(27)
            && new_end < old_end + chrono::Duration::days(32)
    );
    assert_eq!(my_plan(r, &a).await.unwrap().plan.code, "premium");
    assert_eq!(my_plan(r, &c).await.unwrap().plan.code, "free");
    let paid: i64 = sqlx::query_scalar(
        "select count(*) from payments where user_id = $1 and status = 'succeeded'",
    )
    .bind(a.id)
    .fetch_one(&r.pg)
    .await
    .unwrap();
    assert_eq!(paid, 2, "the first payment and one renewal");
}

/// A Family subscriber adds accounts (up to the plan's size), who then have the plan's
/// features; others cannot add to or remove from someone else's family; members leave;
/// when the owner's plan ends, members are on Free again. Every change is audited.
#[tokio::test]
async fn family_plans_share_their_features_with_members() {
    use encore::service::billing::{add_family_member, leave_family, remove_family_member};
    let app = TestApp::init().await;
    let r = &app.repos;
    let owner = app.user("famowner").await.session_user();
    let kids: Vec<_> = futures::future::join_all((0..6).map(|i| {
        let app = &app;
        async move { app.user(&format!("famkid{i}")).await.session_user() }
    }))
    .await;
    let stranger = app.user("famstranger").await.session_user();

    // Only a plan with members has a family.
    assert!(matches!(
        add_family_member(r, &owner, "famkid0").await,
        Err(Error::Forbidden)
    ));
    subscribe(r, &TestMode, &owner, "family", OK, Uuid::new_v4())
        .await
        .unwrap();
    let max = my_plan(r, &owner).await.unwrap().plan.max_members;
    assert!(max > 2, "the Family plan has room: {max}");
    // Bad usernames change nothing.
    for bad in ["", "nobody-here", "famowner"] {
        assert!(
            matches!(add_family_member(r, &owner, bad).await, Err(Error::Invalid(e)) if e.get("username").is_some()),
            "{bad:?}"
        );
    }
    for k in kids.iter().take((max - 1) as usize) {
        add_family_member(r, &owner, &format!("@{}", k.username))
            .await
            .unwrap();
    }
    // Full; an account already in a family cannot be added twice.
    let extra = &kids[(max - 1) as usize];
    assert!(matches!(
        add_family_member(r, &owner, &extra.username).await,
        Err(Error::Invalid(_))
    ));
    let page = plans_page(r, &owner).await.unwrap();
    let fam = page.family.unwrap();
    assert!(fam.mine && fam.members.len() as i32 == max - 1);

    // A member has the plan's features: no skip limit.
    let kid = &kids[0];
    let theirs = my_plan(r, kid).await.unwrap();
    assert_eq!(
        (theirs.plan.code.as_str(), theirs.family_owner.as_deref()),
        ("family", Some("famowner"))
    );
    assert_eq!(request_skip(r, kid).await.unwrap(), None);
    let kid_page = plans_page(r, kid).await.unwrap();
    assert!(!kid_page.family.unwrap().mine);
    // A member cannot add people; nobody removes from another's family.
    assert!(matches!(
        add_family_member(r, kid, "famstranger").await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        remove_family_member(r, &stranger, kid.id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        remove_family_member(r, &kids[1], kid.id).await,
        Err(Error::NotFound)
    ));
    assert_eq!(my_plan(r, kid).await.unwrap().plan.code, "family");

    // The owner removes one, another leaves: both are on Free again.
    remove_family_member(r, &owner, kid.id).await.unwrap();
    assert_eq!(my_plan(r, kid).await.unwrap().plan.code, "free");
    leave_family(r, &kids[1]).await.unwrap();
    assert_eq!(my_plan(r, &kids[1]).await.unwrap().plan.code, "free");
    assert!(matches!(
        leave_family(r, &kids[1]).await,
        Err(Error::NotFound)
    ));

    // When the owner's paid period is over, the members are on Free.
    cancel(r, &owner).await.unwrap();
    assert_eq!(my_plan(r, &kids[2]).await.unwrap().plan.code, "family");
    sqlx::query("update user_subscriptions set started_at = now() - interval '31 days', current_period_end = now() - interval '1 minute' where user_id = $1")
        .bind(owner.id)
        .execute(&r.pg)
        .await
        .unwrap();
    assert_eq!(my_plan(r, &kids[2]).await.unwrap().plan.code, "free");
    assert!(plans_page(r, &kids[2]).await.unwrap().family.is_none());

    let audited: Vec<(String, String)> = sqlx::query_as(
        "select action, target_id from audit_log where action like 'family.%' order by id",
    )
    .fetch_all(&r.pg)
    .await
    .unwrap();
    assert_eq!(audited.len() as i32, (max - 1) + 2);
    assert_eq!(
        audited.last().unwrap(),
        &("family.member_removed".to_string(), kids[1].id.to_string())
    );
}

/// Audio quality by plan: Free (normal) hears a 160 kbit/s Vorbis rendition of a CD-quality
/// upload, Premium (high) 320 kbit/s, a family member the owner's quality, an app's
/// maxBitRate lowers it, a lossless plan gets the file as stored, and the demo catalog's
/// low-bitrate audio is sent as stored to everyone.
#[tokio::test]
async fn audio_quality_follows_the_plan() {
    use encore::{
        catalog::AudioFile,
        renditions::{for_user, Quality},
    };
    let app = TestApp::init().await;
    let r = &app.repos;
    let dir = tempfile::tempdir().unwrap();
    let bytes = encore::audio::cd_quality_wav(3);
    let name = format!("{}.wav", "cd".repeat(32));
    std::fs::write(dir.path().join(&name), &bytes).unwrap();
    let cd = AudioFile {
        file: name.clone(),
        mime: "audio/wav".into(),
        bitrate: 1_411_200,
        sample_rate: 44_100,
        size: bytes.len() as i64,
    };
    let demo = AudioFile {
        bitrate: 88_200,
        ..cd.clone()
    };
    let free = app.user("qfree").await.session_user();
    let premium = app.user("qpremium").await.session_user();
    let member = app.user("qmember").await.session_user();
    let admin = app.user_with_role("qadmin", Role::Admin).await;
    let at = |user, audio, cap| {
        let dir = dir.path().to_path_buf();
        async move { for_user(r, user, &dir, audio, cap).await.unwrap() }
    };
    let rendition = |q: &str| {
        dir.path()
            .join("q")
            .join(q)
            .join(format!("{}.ogg", "cd".repeat(32)))
    };

    let heard = at(&free, &cd, None).await;
    assert_eq!(
        (heard.path, heard.mime.as_str()),
        (rendition("normal"), "audio/ogg")
    );
    assert_eq!(at(&free, &demo, None).await.path, dir.path().join(&name));

    subscribe(r, &TestMode, &premium, "family", OK, Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(at(&premium, &cd, None).await.path, rendition("high"));
    encore::service::billing::add_family_member(r, &premium, "qmember")
        .await
        .unwrap();
    assert_eq!(at(&member, &cd, None).await.path, rendition("high"));
    // An app asking for at most 128 kbit/s gets the low rendition; asking for more than
    // the plan gives changes nothing.
    assert_eq!(
        at(&premium, &cd, Some(Quality::for_max_kbps(128)))
            .await
            .path,
        rendition("low")
    );
    assert_eq!(
        at(&free, &cd, Some(Quality::for_max_kbps(320))).await.path,
        rendition("normal")
    );
    let sizes: Vec<u64> = ["low", "normal", "high"]
        .iter()
        .map(|q| std::fs::metadata(rendition(q)).unwrap().len())
        .collect();
    assert!(sizes[0] < sizes[1] && sizes[1] < sizes[2], "{sizes:?}");
    assert!(sizes[2] < bytes.len() as u64 / 2, "{sizes:?}");

    // Admins make the Family plan lossless: members hear the file as stored.
    update_plan(r, &admin, "family", "Family", "17.99", "", "lossless", true)
        .await
        .unwrap();
    let stored = at(&member, &cd, None).await;
    assert_eq!(
        (stored.path, stored.mime.as_str()),
        (dir.path().join(&name), "audio/wav")
    );
    assert_eq!(at(&free, &cd, None).await.path, rendition("normal"));
}
