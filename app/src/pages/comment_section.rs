//! Comments under a song: post (signed in), edit and delete your own (moderators delete
//! any), report others'. Plain forms, so all of it works without JavaScript; bodies are
//! rendered as text only.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    components::form::{FormError, Saved, BUTTON},
    pages::moderation_pages::ReportForm,
    serverfns::comments::*,
    CurrentUser,
};

const SMALL_BTN: &str = "rounded border border-zinc-300 px-2 py-0.5 text-xs hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";
const TEXTAREA: &str = "rounded-md border border-zinc-300 px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900 aria-[invalid=true]:border-red-600";

#[component]
pub fn CommentSection(song_id: String) -> impl IntoView {
    let query = use_query_map();
    let post = ServerAction::<PostComment>::new();
    let edit = ServerAction::<EditComment>::new();
    let delete = ServerAction::<DeleteComment>::new();
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let sid = song_id.clone();
    let data = Resource::new(
        move || {
            (
                query.read().get("before"),
                post.version().get(),
                edit.version().get(),
                delete.version().get(),
            )
        },
        move |(before, ..)| get_comments(sid.clone(), before),
    );
    let post_r: Signal<Option<Result<(), crate::error::AppError>>> = post.value().into();
    let edit_r: Signal<_> = edit.value().into();
    let delete_r: Signal<_> = delete.value().into();
    let body_error = move || {
        post_r
            .get()
            .and_then(|r| r.err())
            .and_then(|e| e.field("body"))
    };
    view! {
        <section id="comments" aria-labelledby="comments-h" class="mt-8">
            <Suspense fallback=|| view! { <h2 id="comments-h" class="mb-2 text-xl font-semibold">"Comments"</h2> }>
                {move || {
                    let song_id = song_id.clone();
                    Suspend::new(async move {
                        let signed_in = matches!(user.await, Ok(Some(_)));
                        let page = match data.await {
                            Ok(p) => p,
                            Err(e) => return view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                        };
                        let back = format!("/song/{song_id}");
                        let (sid_form, sid_more) = (song_id.clone(), song_id.clone());
                        let items = page.comments.into_iter().map(|c| {
                            let cid = c.id.to_string();
                            let (cid_e, cid_d, anchor) = (cid.clone(), cid.clone(), format!("comment-{cid}"));
                            let (delete_label, report_summary) = (format!("Delete the comment by {}", c.author_name), format!("Report comment by {}", c.author_name));
                            let edit_id = format!("edit-{cid}");
                            let back = back.clone();
                            let body = c.body.clone();
                            view! {
                                <li id=anchor class="py-3">
                                    <p class="text-sm text-zinc-600 dark:text-zinc-400">
                                        <A href=format!("/u/{}", c.author_username) attr:class="font-medium text-zinc-900 underline dark:text-zinc-100">{c.author_name.clone()}</A>
                                        {format!(" · {}", c.created_at.format("%Y-%m-%d %H:%M UTC"))}
                                        {c.edited.then_some(" · edited")}
                                    </p>
                                    <p class="whitespace-pre-wrap break-words">{c.body.clone()}</p>
                                    <div class="mt-1 flex flex-wrap items-start gap-3">
                                        {c.mine.then(|| view! {
                                            <details class="text-sm">
                                                <summary class="cursor-pointer">"Edit"</summary>
                                                <ActionForm action=edit attr:class="mt-2 flex max-w-xl flex-col gap-2">
                                                    <input type="hidden" name="comment_id" value=cid_e/>
                                                    <label for=edit_id.clone() class="font-medium">"Your comment"</label>
                                                    <textarea id=edit_id name="body" rows="3" maxlength="2000" class=TEXTAREA>{body}</textarea>
                                                    <button type="submit" class=BUTTON>"Save comment"</button>
                                                </ActionForm>
                                            </details>
                                        })}
                                        {c.can_delete.then(|| view! {
                                            <ActionForm action=delete>
                                                <input type="hidden" name="comment_id" value=cid_d/>
                                                <button type="submit" class=SMALL_BTN aria-label=delete_label>"Delete"</button>
                                            </ActionForm>
                                        })}
                                        {(signed_in && !c.mine).then(|| view! {
                                            <ReportForm target_type="comment" target_id=cid summary=report_summary back=back/>
                                        })}
                                    </div>
                                </li>
                            }
                        }).collect_view();
                        view! {
                            <h2 id="comments-h" class="mb-2 text-xl font-semibold">{format!("Comments ({})", page.total)}</h2>
                            <div role="status" class="text-sm text-green-700 dark:text-green-400">
                                <Saved what="commented" message="Comment posted."/>
                                <Saved what="comment-edited" message="Comment saved."/>
                                <Saved what="comment-deleted" message="Comment deleted."/>
                            </div>
                            <FormError result=edit_r/><FormError result=delete_r/>
                            {if signed_in {
                                view! {
                                    <ActionForm action=post attr:class="mb-4 flex max-w-xl flex-col gap-2">
                                        <FormError result=post_r/>
                                        <input type="hidden" name="song_id" value=sid_form/>
                                        <label for="f-comment" class="text-sm font-medium">"Add a comment"</label>
                                        <textarea id="f-comment" name="body" rows="3" maxlength="2000" class=TEXTAREA
                                            aria-invalid=move || body_error().is_some().to_string() aria-describedby="f-comment-error"></textarea>
                                        <p id="f-comment-error" role="alert" class="text-sm text-red-700 dark:text-red-400">{body_error}</p>
                                        <button type="submit" class=BUTTON>"Post comment"</button>
                                    </ActionForm>
                                }.into_any()
                            } else {
                                view! { <p class="mb-4 text-sm"><A href=format!("/signin?next={}", crate::url::encode(&format!("/song/{song_id}"))) attr:class="underline">"Sign in"</A>" to comment."</p> }.into_any()
                            }}
                            {if page.total == 0 {
                                view! { <p class="text-sm text-zinc-600 dark:text-zinc-400">"No comments yet."</p> }.into_any()
                            } else {
                                view! { <ol aria-label="Comments" class="divide-y divide-zinc-200 dark:divide-zinc-800">{items}</ol> }.into_any()
                            }}
                            {page.next.map(|n| view! {
                                <p class="mt-2"><a class="underline" href=format!("/song/{sid_more}?before={}#comments", crate::url::encode(&n.to_rfc3339()))>"Older comments →"</a></p>
                            })}
                        }.into_any()
                    })
                }}
            </Suspense>
        </section>
    }
}
