//! What a [`Frames`] holds: its decoder, its reader, the bytes read but not yet
//! framed, and [`FramesParts`] to hand them all to another protocol.

use super::Frames;

impl<R, D> Frames<R, D> {
    /// The decoder, for example to read its counters.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// assert_eq!(lines.decoder().lines_read(), 1);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn decoder(&self) -> &D {
        &self.decoder
    }

    /// The decoder, to change its settings between frames.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// // Short lines first, then longer ones allowed: the limit changes between
    /// // frames, the counters and the buffered bytes stay.
    /// let mut lines = aiter::chunks::lines(&b"ab\nabcdef\n"[..]).max_len(4);
    /// assert_eq!(lines.next().await.unwrap()?, "ab");
    /// let decoder = std::mem::take(lines.decoder_mut());
    /// *lines.decoder_mut() = decoder.max_len(16);
    /// assert_eq!(lines.next().await.unwrap()?, "abcdef");
    /// assert_eq!(lines.decoder().lines_read(), 2);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn decoder_mut(&mut self) -> &mut D {
        &mut self.decoder
    }

    /// The reader, until the stream has ended and released it.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// assert!(lines.get_ref().is_some());
    /// while lines.next().await.is_some() {}
    /// assert!(lines.get_ref().is_none()); // released at the end
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn get_ref(&self) -> Option<&R> {
        self.reader.as_ref()
    }

    /// The reader, mutably, until the stream has ended and released it. Reading
    /// from it directly skips bytes the decoder would have seen.
    ///
    /// ```
    /// let mut lines = aiter::chunks::lines(&b"a\n"[..]);
    /// assert!(lines.get_mut().is_some());
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut R> {
        self.reader.as_mut()
    }

    /// Takes the reader back (unless the stream has ended and released it).
    /// Bytes read but not yet part of a frame are lost: use
    /// [`Frames::into_parts`] to keep them.
    ///
    /// ```
    /// let lines = aiter::chunks::lines(&b"a\n"[..]);
    /// assert_eq!(lines.into_inner(), Some(&b"a\n"[..]));
    /// ```
    pub fn into_inner(self) -> Option<R> {
        self.reader
    }

    /// Takes everything apart: the reader, the decoder, and the bytes read but not
    /// yet part of a frame, to hand the connection to another protocol (as
    /// tokio-util's `FramedParts`).
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    ///
    /// // A text header line, then binary: read the line, hand the rest on.
    /// let input: &[u8] = b"HELLO v1\n\x00\x00\x00\x03abc";
    /// let mut lines = aiter::chunks::lines(input);
    /// assert_eq!(lines.next().await.unwrap()?, "HELLO v1");
    /// let parts = lines.into_parts();
    /// assert_eq!(parts.buffered, b"\x00\x00\x00\x03abc");
    /// assert_eq!(parts.offset, 9);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn into_parts(self) -> FramesParts<R, D> {
        FramesParts {
            buffered: self.buffer.pending().to_vec(),
            reader: self.reader,
            decoder: self.decoder,
            offset: self.offset,
        }
    }

    /// The 0-based offset of the first byte not yet consumed: after the last frame
    /// returned, this is the number of input bytes it and its predecessors used.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// assert_eq!(lines.offset(), 4); // "one\n" is behind us
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Bytes of memory the buffer holds now: at most the decoder's limit plus one
    /// read, whatever the input.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// assert!(lines.buffer_capacity() <= aiter::chunks::DEFAULT_READ_SIZE);
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        self.buffer.capacity()
    }

    /// Bytes read but not yet part of a returned frame.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use futures_lite::StreamExt;
    /// let mut lines = aiter::chunks::lines(&b"one\ntwo\nthr"[..]);
    /// assert_eq!(lines.next().await.unwrap()?, "one");
    /// assert_eq!(lines.buffered(), b"two\nthr"); // read, not yet framed
    /// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
    /// ```
    pub fn buffered(&self) -> &[u8] {
        self.buffer.pending()
    }
}

/// The parts of a [`Frames`], from [`Frames::into_parts`].
///
/// ```
/// # futures_lite::future::block_on(async {
/// use futures_lite::StreamExt;
/// // A line-based greeting, then another protocol on the same connection.
/// let mut lines = aiter::chunks::lines(&b"HELLO\n\x00\x01binary"[..]);
/// assert_eq!(lines.next().await.unwrap()?, "HELLO");
/// let parts = lines.into_parts();
/// assert_eq!(parts.buffered, b"\x00\x01binary"); // read already: not lost
/// assert_eq!(parts.offset, 6);
/// # Ok::<(), aiter::chunks::FrameError>(()) }).unwrap();
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct FramesParts<R, D> {
    /// The reader, unless the stream had ended and released it.
    pub reader: Option<R>,
    /// The decoder, with its counters.
    pub decoder: D,
    /// Bytes read from the reader but not yet part of a returned frame: they come
    /// before anything the reader gives next.
    pub buffered: Vec<u8>,
    /// The offset of the first of `buffered` in the whole input.
    pub offset: u64,
}
