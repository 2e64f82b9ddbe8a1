//! tower::Layer for playgate (see issue 7).
