//! The codec of every `relais.v1` service, on both sides: prost's encoding,
//! and a decoding that holds requests to the API's rules before any handler
//! runs. A request that cannot be read, or that holds an enumeration value
//! this build does not know, is the caller's error: `INVALID_ARGUMENT`
//! naming what is wrong, never `INTERNAL`.

use std::marker::PhantomData;

use prost::Message;
use tonic::{
    Status,
    codec::{DecodeBuf, Decoder},
};
use tonic_prost::ProstEncoder;

use crate::checks::RpcMessage;

/// Encodes `T`, decodes `U`; named by the generated clients and servers.
#[derive(Debug, Clone, Copy)]
pub struct Codec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for Codec<T, U> {
    fn default() -> Self {
        Codec(PhantomData)
    }
}

impl<T, U> tonic::codec::Codec for Codec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + RpcMessage + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = CheckingDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        CheckingDecoder(PhantomData)
    }
}

/// Decodes `U`, and checks it when it is a request.
#[derive(Debug, Clone, Copy)]
pub struct CheckingDecoder<U>(PhantomData<U>);

impl<U: Message + Default + RpcMessage> Decoder for CheckingDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        let message = U::decode(buf).map_err(|error| {
            let text = format!("cannot read the message as a {}: {error}", U::NAME);
            if U::IS_REQUEST {
                Status::invalid_argument(text)
            } else {
                Status::internal(text)
            }
        })?;
        if U::IS_REQUEST
            && let Some(violations) = message.enum_violations()
        {
            return Err(crate::status::invalid_argument(violations));
        }
        Ok(Some(message))
    }
}
