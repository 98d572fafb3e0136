/// The special token ids a CLIP text encoder is configured with (transformers `CLIPTextConfig`
/// `pad_token_id`, `bos_token_id`, `eos_token_id`).
///
/// The defaults are t2i's SentencePiece ids (DESIGN §3: pad 0, unk 1, bos 2, eos 3). Only `eos`
/// changes the math: the pooled output is read at the end-of-sequence token.
public struct CLIPTokenIDs: Sendable, Equatable, Codable {
    /// Padding (`pad_token_id`).
    public var pad: Int
    /// Start of sequence (`bos_token_id`).
    public var bos: Int
    /// End of sequence (`eos_token_id`), where the pooled output is read.
    public var eos: Int

    /// Ids as given; the defaults are t2i's tokenizer's.
    public init(pad: Int = 0, bos: Int = 2, eos: Int = 3) {
        self.pad = pad
        self.bos = bos
        self.eos = eos
    }
}
