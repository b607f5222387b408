//! Compiles `proto/relais/v1/*.proto` in pure Rust (protox: no `protoc` needed)
//! into prost messages, tonic stubs, serde implementations following the
//! protobuf JSON mapping (pbjson), the walks that find unknown enumeration
//! values in requests (`build/checks.rs`), and the encoded descriptor set
//! that server reflection serves.

use std::{env, fs, io, path::PathBuf};

use prost::Message;

#[path = "build/checks.rs"]
mod checks;

const PROTO_ROOT: &str = "proto";
const PACKAGE: &str = "relais.v1";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO_ROOT}");
    println!("cargo:rerun-if-changed=build");

    let files = proto_files()?;
    let descriptors = protox::compile(&files, [PROTO_ROOT])?;
    let encoded = descriptors.encode_to_vec();

    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("relais_descriptor.bin"), &encoded)?;

    let pool = protox::prost_reflect::DescriptorPool::decode(encoded.as_slice())?;
    fs::write(
        out_dir.join("relais.v1.checks.rs"),
        checks::generate(&pool, PACKAGE),
    )?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_well_known_types(true)
        // Decodes requests refusing unknown enumeration values (see `codec`).
        .codec_path("crate::codec::Codec")
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_fds(descriptors)?;

    pbjson_build::Builder::new()
        .register_descriptors(&encoded)?
        .preserve_proto_field_names()
        .build(&[".relais"])?;
    Ok(())
}

/// Every `.proto` file under the proto root, sorted so builds are reproducible.
fn proto_files() -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(PROTO_ROOT)];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "proto") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}
