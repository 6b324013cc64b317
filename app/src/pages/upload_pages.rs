//! Uploads: the linked artist's upload form (a plain multipart form post without
//! JavaScript; with it, the same post through XMLHttpRequest so a progress bar can show
//! how much is sent) with the list of their uploads, and the moderators' review queue
//! with an audio preview of each pending song.

use encore::catalog::format_duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    components::form::{Forbidden, FormError, Saved, BUTTON, CARD, FIELD, LINK},
    error::AppError,
    pages::catalog_pages::Problem,
    serverfns::artists::*,
};

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[component]
pub fn ArtistUploadsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_upload_page,
    );
    let progress = RwSignal::new(None::<f64>);
    let failed = RwSignal::new(None::<String>);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => {
                        let id = p.artist.id.to_string();
                        view! {
                            <Title text=format!("Uploads · {}", p.artist.name)/>
                            <h1 class="text-2xl font-bold">{format!("Uploads: {}", p.artist.name)}</h1>
                            <p class="mb-4 text-sm"><A href=format!("/artist/{id}/insights") attr:class=LINK>"Insights"</A>" · "
                                <A href=format!("/artist/{id}") attr:class=LINK>"Artist page"</A></p>
                            <p role="alert" class="text-red-700 dark:text-red-400">
                                {move || failed.get().or_else(|| query.read().get("error"))}
                            </p>
                            <p role="status" class="text-green-700 dark:text-green-400">
                                {move || query.read().get("sent").map(|n| format!("Sent {n} song(s) for review. A moderator will approve them before listeners can hear them."))}
                            </p>
                            <section aria-labelledby="upload-h" class=format!("{CARD} mb-6 max-w-xl")>
                                <h2 id="upload-h" class="mb-2 text-lg font-semibold">"Upload songs"</h2>
                                <p class="mb-3 text-sm">{format!("MP3, FLAC, Ogg Vorbis or WAV, up to {} MB each. Several files at once become an EP or album, in the order chosen. Songs wait for a moderator's review.", p.max_mb)}</p>
                                <form method="post" action=format!("/artist/{id}/uploads") enctype="multipart/form-data"
                                    class="flex flex-col gap-3" on:submit=move |ev| send_with_progress(ev, progress, failed)>
                                    <label class="flex flex-col gap-1">"Audio files"
                                        <input type="file" name="file" multiple required accept="audio/mpeg,audio/flac,audio/ogg,audio/wav,.mp3,.flac,.ogg,.wav"/></label>
                                    <label class="flex flex-col gap-1">"Song title (one file; else taken from the tags or file name)"
                                        <input name="title" maxlength="200" class=FIELD/></label>
                                    <label class="flex flex-col gap-1">"Album, EP or single title (optional for one file)"
                                        <input name="album_title" maxlength="200" class=FIELD/></label>
                                    <label class="flex flex-col gap-1">"Genre"
                                        <select name="genre" required class=FIELD>
                                            {p.genres.iter().map(|g| view! { <option value=g.clone()>{g.clone()}</option> }).collect_view()}
                                        </select></label>
                                    <label class="flex items-center gap-2"><input type="checkbox" name="explicit" value="on"/>"Explicit lyrics"</label>
                                    <label class="flex flex-col gap-1">"Cover image (optional: PNG, JPEG or WebP, at least 100×100)"
                                        <input type="file" name="cover" accept="image/png,image/jpeg,image/webp"/></label>
                                    <button type="submit" class=BUTTON disabled=move || progress.get().is_some()>"Upload"</button>
                                    <div role="status" aria-live="polite">
                                        {move || progress.get().map(|pct| view! {
                                            <progress max="100" value=format!("{pct:.0}") aria-label="Upload progress" class="w-full"></progress>
                                            <span>{if pct >= 100.0 { "Checking the files…".to_string() } else { format!("Uploading… {pct:.0} %") }}</span>
                                        })}
                                    </div>
                                </form>
                            </section>
                            <section aria-labelledby="list-h">
                                <h2 id="list-h" class="mb-2 text-lg font-semibold">"Your uploads"</h2>
                                {if p.uploads.is_empty() {
                                    view! { <p>"Nothing uploaded yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="overflow-x-auto">
                                            <table class="w-full text-left text-sm">
                                                <caption class="sr-only">"Your uploads, newest first"</caption>
                                                <thead><tr><th scope="col">"Song"</th><th scope="col">"Release"</th><th scope="col">"Length"</th>
                                                    <th scope="col">"Sent"</th><th scope="col">"Status"</th></tr></thead>
                                                <tbody>
                                                    {p.uploads.into_iter().map(|u| {
                                                        let status = match u.status.as_str() {
                                                            "approved" => "Published".to_string(),
                                                            "rejected" => format!("Rejected: {}", u.reason),
                                                            _ => "Waiting for review".to_string(),
                                                        };
                                                        let title = if u.status == "approved" {
                                                            view! { <A href=format!("/song/{}", u.id) attr:class=LINK>{u.title.clone()}</A> }.into_any()
                                                        } else {
                                                            view! { <span>{u.title.clone()}</span> }.into_any()
                                                        };
                                                        view! {
                                                            <tr class="border-t border-zinc-200 dark:border-zinc-800">
                                                                <td>{title}</td><td>{format!("{} ({})", u.album_title, u.album_type)}</td>
                                                                <td>{format_duration(u.duration_ms as u64)}</td>
                                                                <td>{u.created_at.format("%Y-%m-%d %H:%M").to_string()}</td><td>{status}</td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! { <Forbidden reason="Only the artist's linked accounts and admins can upload for this artist."/> }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// With JavaScript, posts the form by XMLHttpRequest to show upload progress, then
/// follows the server's answer (the same page with the outcome). Without, the browser
/// posts the form itself.
#[allow(unused_variables)]
fn send_with_progress(
    ev: leptos::ev::SubmitEvent,
    progress: RwSignal<Option<f64>>,
    failed: RwSignal<Option<String>>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        let (Ok(data), Ok(xhr)) = (
            web_sys::FormData::new_with_form(&form),
            web_sys::XmlHttpRequest::new(),
        ) else {
            return; // let the browser post it
        };
        if xhr.open("POST", &form.action()).is_err() {
            return;
        }
        ev.prevent_default();
        let _ = xhr.set_request_header("Accept", "application/json");
        failed.set(None);
        progress.set(Some(0.0));
        if let Ok(up) = xhr.upload() {
            let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |e: web_sys::ProgressEvent| {
                    if e.length_computable() && e.total() > 0.0 {
                        progress.set(Some(100.0 * e.loaded() / e.total()));
                    }
                },
            );
            up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let done = xhr.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let text = done.response_text().ok().flatten().unwrap_or_default();
            let redirect = js_sys::JSON::parse(&text)
                .ok()
                .and_then(|v| js_sys::Reflect::get(&v, &"redirect".into()).ok())
                .and_then(|v| v.as_string());
            match redirect {
                Some(url) if done.status().unwrap_or(0) == 200 => {
                    let _ = window().location().assign(&url);
                }
                _ => {
                    progress.set(None);
                    failed.set(Some(if text.is_empty() || text.len() > 300 {
                        "The upload failed; nothing was kept. Try again.".into()
                    } else {
                        text
                    }));
                }
            }
        });
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            progress.set(None);
            failed.set(Some(
                "The upload was interrupted (connection lost); nothing was kept. Try again.".into(),
            ));
        });
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        if xhr.send_with_opt_form_data(Some(&data)).is_err() {
            progress.set(None);
        }
    }
}

#[component]
pub fn AdminUploadsPage() -> impl IntoView {
    let decide = ServerAction::<DecideUpload>::new();
    let r: Signal<_> = decide.value().into();
    let data = Resource::new(move || decide.version().get(), |_| pending_uploads());
    view! {
        <Title text="Upload review"/>
        <h1 class="mb-2 text-2xl font-bold">"Upload review"</h1>
        <Saved what="approved" message="Approved: the song is published."/>
        <Saved what="rejected" message="Rejected: the artist sees your reason."/>
        <FormError result=r/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ups) if ups.is_empty() => view! { <p>"No uploads waiting."</p> }.into_any(),
                    Ok(ups) => view! {
                        <ul aria-label="Pending uploads" class="flex flex-col gap-3">
                            {ups.into_iter().map(|u| {
                                let label = format!("Review {} by {}", u.title, u.artist_name);
                                let reason_id = format!("reason-{}", u.id);
                                let reason_for = reason_id.clone();
                                view! {
                                    <li class=CARD>
                                        <p class="font-semibold">{u.title.clone()}" · "
                                            <A href=format!("/artist/{}", u.artist_id) attr:class=LINK>{u.artist_name.clone()}</A></p>
                                        <p class="text-sm">{format!("{} ({}) · {} · {} · {} · file “{}” · sent by {} on {}",
                                            u.album_title, u.album_type, format_duration(u.duration_ms as u64), u.codec,
                                            size_label(u.size_bytes), u.original_name, u.uploader,
                                            u.created_at.format("%Y-%m-%d %H:%M UTC"))}</p>
                                        <audio controls preload="none" src=format!("/stream/{}", u.id)
                                            aria-label=format!("Preview {}", u.title) class="my-2 w-full max-w-md"></audio>
                                        <ActionForm action=decide attr:class="flex flex-wrap items-end gap-2" attr:aria-label=label>
                                            <input type="hidden" name="upload_id" value=u.id.to_string()/>
                                            <label for=reason_for class="flex flex-col text-sm">"Reason (needed to reject; the artist sees it)"
                                                <input id=reason_id name="reason" maxlength="1000" class=FIELD/></label>
                                            <button type="submit" name="decision" value="approve" class=BUTTON>"Approve"</button>
                                            <button type="submit" name="decision" value="reject" class="rounded-md border border-zinc-400 px-4 py-2">"Reject"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! { <Forbidden reason="You do not have permission to see this page."/> }.into_any(),
                    Err(e) => view! { <Problem error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
