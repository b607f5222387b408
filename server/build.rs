//! `sqlx::migrate!` embeds the migrations when the crate compiles: a new or
//! changed migration must rebuild it, or the server would run without it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
