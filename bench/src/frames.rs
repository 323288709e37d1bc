//! The subscriber side of a WebSocket after its handshake: server frames read by hand.
//!
//! Why by hand: the 10,000 subscribers of `fanout` run on the same two cores as the server, so
//! whatever they spend per message is taken from the server and shows up in the latency. Through
//! tokio-tungstenite each message cost two waker proxies, a `BytesMut` split and drop and a
//! `select!` on the subscriber's stop signal; here a read goes straight into a small buffer of
//! the socket's own and is cut into frames in place. The handshake, `connection_init`,
//! `subscribe` and the ping/pong that confirms the subscription still go through
//! tokio-tungstenite; after that the server sends only unfragmented, unmasked frames (RFC 6455
//! §5), which is all this reader handles.

use anyhow::bail;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// What a subscriber is told of one frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    Text(&'a [u8]),
    /// A ping frame; the reader answers it with a pong of the same payload.
    Ping,
    /// Anything else the subscriber does not look at (pong, binary).
    Other,
}

/// A socket's read side: a buffer of unparsed bytes.
pub struct Reader<S> {
    stream: S,
    buf: Vec<u8>,
    /// Parsed up to `start`, read up to `end`.
    start: usize,
    end: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Reader<S> {
    pub fn new(stream: S, capacity: usize) -> Self {
        Self {
            stream,
            buf: vec![0; capacity.max(16)],
            start: 0,
            end: 0,
        }
    }

    /// Reads once from the socket (waiting until something arrives) and hands each complete
    /// frame to `on_frame`. `Ok(false)`: the peer closed (a close frame or the end of the
    /// stream).
    pub async fn read(&mut self, mut on_frame: impl FnMut(Frame<'_>)) -> anyhow::Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // A frame larger than the buffer: grow it (the messages here are a few hundred
            // bytes; this only happens for an unusual one).
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        if n == 0 {
            return Ok(false);
        }
        self.end += n;
        let mut pong = None;
        loop {
            match parse(&self.buf[self.start..self.end])? {
                None => break,
                Some((opcode, payload, len)) => {
                    let at = self.start;
                    self.start += len;
                    match opcode {
                        0x1 => on_frame(Frame::Text(&self.buf[at + payload..at + len])),
                        0x8 => return Ok(false),
                        0x9 => {
                            pong = Some(self.buf[at + payload..at + len].to_vec());
                            on_frame(Frame::Ping);
                        }
                        _ => on_frame(Frame::Other),
                    }
                }
            }
            if let Some(payload) = pong.take() {
                self.stream.write_all(&masked(0xA, &payload)).await?;
            }
        }
        Ok(true)
    }

    /// Sends a text message (masked, as a client must).
    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.stream.write_all(&masked(0x1, text.as_bytes())).await?;
        Ok(())
    }
}

/// The first complete frame in `bytes`: (opcode, offset of its payload, total length), or `None`
/// when more bytes are needed.
fn parse(bytes: &[u8]) -> anyhow::Result<Option<(u8, usize, usize)>> {
    let [b0, b1, ..] = *bytes else {
        return Ok(None);
    };
    if b0 & 0x80 == 0 {
        bail!("a fragmented frame (the server does not fragment)");
    }
    if b1 & 0x80 != 0 {
        bail!("a masked frame from the server");
    }
    let (header, len) = match b1 & 0x7f {
        126 => match bytes.get(2..4) {
            Some(n) => (4, u16::from_be_bytes([n[0], n[1]]) as usize),
            None => return Ok(None),
        },
        127 => match bytes.get(2..10) {
            Some(n) => (10, u64::from_be_bytes(n.try_into()?) as usize),
            None => return Ok(None),
        },
        n => (2, n as usize),
    };
    let total = header + len;
    Ok((bytes.len() >= total).then_some((b0 & 0x0f, header, total)))
}

/// A client frame: FIN, `opcode`, masked `payload`.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    // The mask only has to be unpredictable to intermediaries (RFC 6455 §10.3); there are none
    // on loopback, and the server unmasks whatever key it gets.
    let key = 0x9e37_79b9_u32
        .wrapping_mul(payload.len() as u32 + 1)
        .to_be_bytes();
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => frame.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(0x80 | 127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::Role;

    /// A server-side tungstenite socket and a `Reader` on the other end of a duplex pipe.
    async fn pair(
        capacity: usize,
    ) -> (
        tokio_tungstenite::WebSocketStream<tokio::io::DuplexStream>,
        Reader<tokio::io::DuplexStream>,
    ) {
        let (server, client) = tokio::io::duplex(1 << 20);
        let server =
            tokio_tungstenite::WebSocketStream::from_raw_socket(server, Role::Server, None).await;
        (server, Reader::new(client, capacity))
    }

    #[tokio::test]
    async fn frames_of_every_length_are_read_as_tungstenite_wrote_them() {
        // A buffer smaller than the frames: they arrive in pieces, and it grows for the large.
        let (mut server, mut reader) = pair(64).await;
        let texts: Vec<String> = [0, 5, 125, 126, 300, 65_535, 65_536, 70_000]
            .iter()
            .map(|&n| "x".repeat(n))
            .collect();
        for text in &texts {
            server.feed(Message::text(text.clone())).await.unwrap();
        }
        server.feed(Message::Pong(vec![1].into())).await.unwrap();
        server.flush().await.unwrap();
        let mut got = Vec::new();
        let mut others = 0;
        while got.len() < texts.len() || others == 0 {
            let open = reader
                .read(|frame| match frame {
                    Frame::Text(text) => got.push(String::from_utf8(text.to_vec()).unwrap()),
                    Frame::Other => others += 1,
                    Frame::Ping => panic!("no ping was sent"),
                })
                .await
                .unwrap();
            assert!(open);
        }
        assert_eq!(got, texts);
        assert_eq!(others, 1);
    }

    #[tokio::test]
    async fn a_ping_is_answered_a_text_arrives_and_a_close_ends_the_reader() {
        let (mut server, mut reader) = pair(4096).await;
        server.send(Message::Ping(vec![7, 8].into())).await.unwrap();
        let mut pings = 0;
        assert!(
            reader
                .read(|f| pings += usize::from(f == Frame::Ping))
                .await
                .unwrap()
        );
        assert_eq!(pings, 1);
        // The pong, then a text message, as the server reads them.
        reader.send_text("{\"type\":\"pong\"}").await.unwrap();
        assert_eq!(
            server.next().await.unwrap().unwrap(),
            Message::Pong(vec![7, 8].into())
        );
        assert_eq!(
            server.next().await.unwrap().unwrap(),
            Message::text("{\"type\":\"pong\"}")
        );
        server.send(Message::Close(None)).await.unwrap();
        assert!(!reader.read(|_| {}).await.unwrap());
    }

    #[test]
    fn masked_frames_carry_their_length_and_unmask_to_the_payload() {
        for n in [0, 125, 126, 65_535, 65_536] {
            let payload: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let frame = masked(0x1, &payload);
            let (header, len) = match frame[1] & 0x7f {
                126 => (4, u16::from_be_bytes([frame[2], frame[3]]) as usize),
                127 => (
                    10,
                    u64::from_be_bytes(frame[2..10].try_into().unwrap()) as usize,
                ),
                n => (2, n as usize),
            };
            assert_eq!((frame[0], frame[1] & 0x80, len), (0x81, 0x80, n));
            let key = &frame[header..header + 4];
            let unmasked: Vec<u8> = frame[header + 4..]
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[i % 4])
                .collect();
            assert_eq!(unmasked, payload);
        }
    }
}
