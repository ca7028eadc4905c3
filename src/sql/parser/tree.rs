//! `Tree`: the syntax tree of one script, held flat. The grammar emits a stream of steps
//! (enter a node, a token, leave the node); this keeps them as one vector in that order, each
//! element knowing its byte range, its parent and (for a node) where its subtree ends. A
//! node is an index, children and descendants are walks over a slice: reading a statement
//! allocates nothing, and building a tree is one vector's growth.
//!
//! It replaces `rowan`'s tree, which `squawk-syntax` builds: that one interns every token,
//! allocates every node twice (the green node, then a cursor for each visit) and was, with the
//! reads over it, most of the time `plan show` spent parsing. The methods keep rowan's names
//! and meanings (`descendants` starts with the node itself, a node's range runs from its
//! first token to its last).

use std::ops::Range;

use squawk_syntax::SyntaxKind;

/// A script's tree, borrowing the script's text.
pub(super) struct Tree<'s> {
    text: &'s str,
    elements: Vec<Element>,
}

/// A node or a token, in the order of the steps that made it.
#[derive(Clone, Copy)]
struct Element {
    kind: SyntaxKind,
    token: bool,
    start: u32,
    end: u32,
    /// The enclosing node's index (the root's own index for the root).
    parent: u32,
    /// One past the last element of the subtree (the next index for a token).
    subtree_end: u32,
}

impl<'s> Tree<'s> {
    /// The tree `text` parses into with `entry`, and the lexer's and parser's errors as
    /// (start, end, message).
    pub(super) fn parse(
        text: &'s str,
        entry: squawk_parser::EntryPoint,
    ) -> (Tree<'s>, Vec<(usize, usize, String)>) {
        let lexed = squawk_parser::LexedStr::new(text);
        let output = entry.parse(&lexed.to_input());
        let mut builder = Builder {
            tree: Tree {
                text,
                elements: Vec::with_capacity(lexed_capacity(text)),
            },
            open: Vec::new(),
            offset: 0,
        };
        let mut errors = Vec::new();
        lexed.intersperse_trivia(&output, &mut |step| match step {
            squawk_parser::StrStep::Token { kind, text } => builder.token(kind, text.len()),
            squawk_parser::StrStep::Enter { kind } => builder.enter(kind),
            squawk_parser::StrStep::Exit => builder.exit(),
            squawk_parser::StrStep::Error { msg, pos } => errors.push((pos, pos, msg.to_string())),
        });
        for (range, message) in lexed.errors() {
            let start = usize::try_from(range.start).unwrap_or(usize::MAX);
            let end = usize::try_from(range.end).unwrap_or(usize::MAX);
            errors.push((start, end, message.to_string()));
        }
        while !builder.open.is_empty() {
            builder.exit();
        }
        (builder.tree, errors)
    }

    /// The root node (a `SOURCE_FILE`), or `None` for a tree the grammar made nothing of.
    pub(super) fn root(&self) -> Option<Node<'_>> {
        let first = self.elements.first()?;
        (!first.token).then_some(Node {
            tree: self,
            index: 0,
        })
    }

    fn element(&self, index: u32) -> &Element {
        &self.elements[index as usize]
    }
}

/// About one element per 3 bytes of SQL: enough that most trees never grow their vector.
fn lexed_capacity(text: &str) -> usize {
    text.len() / 3 + 16
}

/// Turns the grammar's steps into a [`Tree`].
struct Builder<'s> {
    tree: Tree<'s>,
    /// The nodes entered and not yet left.
    open: Vec<u32>,
    /// The byte offset of the next token.
    offset: u32,
}

impl Builder<'_> {
    fn next_index(&self) -> u32 {
        u32::try_from(self.tree.elements.len()).unwrap_or(u32::MAX)
    }

    fn parent(&self) -> u32 {
        self.open.last().copied().unwrap_or(0)
    }

    fn enter(&mut self, kind: SyntaxKind) {
        let index = self.next_index();
        self.tree.elements.push(Element {
            kind,
            token: false,
            start: self.offset,
            end: self.offset,
            parent: self.parent(),
            subtree_end: index + 1,
        });
        self.open.push(index);
    }

    fn token(&mut self, kind: SyntaxKind, length: usize) {
        let index = self.next_index();
        let end = self
            .offset
            .saturating_add(u32::try_from(length).unwrap_or(u32::MAX));
        self.tree.elements.push(Element {
            kind,
            token: true,
            start: self.offset,
            end,
            parent: self.parent(),
            subtree_end: index + 1,
        });
        self.offset = end;
    }

    fn exit(&mut self) {
        let subtree_end = self.next_index();
        if let Some(index) = self.open.pop() {
            let element = &mut self.tree.elements[index as usize];
            element.subtree_end = subtree_end;
            element.end = self.offset;
        }
    }
}

/// A node of a [`Tree`]. Two nodes are equal when they are the same node of the same tree.
#[derive(Clone, Copy)]
pub(super) struct Node<'t> {
    tree: &'t Tree<'t>,
    index: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && std::ptr::eq(self.tree, other.tree)
    }
}

impl<'t> Node<'t> {
    pub(super) fn kind(self) -> SyntaxKind {
        self.tree.element(self.index).kind
    }

    /// The bytes of the script the node covers.
    pub(super) fn text_range(self) -> Range<usize> {
        let element = self.tree.element(self.index);
        element.start as usize..element.end as usize
    }

    /// The text the node covers.
    pub(super) fn text(self) -> &'t str {
        self.tree.text.get(self.text_range()).unwrap_or_default()
    }

    pub(super) fn parent(self) -> Option<Node<'t>> {
        let parent = self.tree.element(self.index).parent;
        (parent != self.index).then_some(Node {
            tree: self.tree,
            index: parent,
        })
    }

    /// The child nodes and tokens, in order.
    pub(super) fn children_with_tokens(self) -> impl Iterator<Item = Part<'t>> {
        let tree = self.tree;
        let end = tree.element(self.index).subtree_end;
        let mut next = self.index + 1;
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let part = Part::at(tree, next);
            next = tree.element(next).subtree_end;
            Some(part)
        })
    }

    /// The child nodes, in order.
    pub(super) fn children(self) -> impl Iterator<Item = Node<'t>> {
        self.children_with_tokens().filter_map(Part::into_node)
    }

    /// The node itself and every node under it, in order.
    pub(super) fn descendants(self) -> impl Iterator<Item = Node<'t>> {
        self.descendants_with_tokens().filter_map(Part::into_node)
    }

    /// The node itself and every node and token under it, in order.
    pub(super) fn descendants_with_tokens(self) -> impl Iterator<Item = Part<'t>> {
        let tree = self.tree;
        let end = tree.element(self.index).subtree_end;
        (self.index..end).map(move |index| Part::at(tree, index))
    }

    /// Visits the node and every node under it, in order, except under a node for which
    /// `visit` answers [`Walk::Over`].
    pub(super) fn walk(self, mut visit: impl FnMut(Node<'t>) -> Walk) {
        let tree = self.tree;
        let end = tree.element(self.index).subtree_end;
        let mut index = self.index;
        while index < end {
            let element = *tree.element(index);
            if element.token {
                index += 1;
                continue;
            }
            index = match visit(Node { tree, index }) {
                Walk::Into => index + 1,
                Walk::Over => element.subtree_end,
            };
        }
    }

    /// The tokens under the node, in order.
    pub(super) fn tokens(self) -> impl Iterator<Item = Token<'t>> {
        self.descendants_with_tokens().filter_map(Part::into_token)
    }
}

/// Whether [`Node::walk`] goes on into the nodes under the one it visited.
pub(super) enum Walk {
    Into,
    Over,
}

/// A token of a [`Tree`].
#[derive(Clone, Copy)]
pub(super) struct Token<'t> {
    tree: &'t Tree<'t>,
    index: u32,
}

impl<'t> Token<'t> {
    pub(super) fn kind(self) -> SyntaxKind {
        self.tree.element(self.index).kind
    }

    pub(super) fn text(self) -> &'t str {
        let element = self.tree.element(self.index);
        self.tree
            .text
            .get(element.start as usize..element.end as usize)
            .unwrap_or_default()
    }
}

/// A node or a token.
#[derive(Clone, Copy)]
pub(super) enum Part<'t> {
    Node(Node<'t>),
    Token(Token<'t>),
}

impl<'t> Part<'t> {
    fn at(tree: &'t Tree<'t>, index: u32) -> Part<'t> {
        if tree.element(index).token {
            Part::Token(Token { tree, index })
        } else {
            Part::Node(Node { tree, index })
        }
    }

    pub(super) fn into_node(self) -> Option<Node<'t>> {
        match self {
            Part::Node(node) => Some(node),
            Part::Token(_) => None,
        }
    }

    pub(super) fn into_token(self) -> Option<Token<'t>> {
        match self {
            Part::Token(token) => Some(token),
            Part::Node(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(sql: &str) -> Tree<'_> {
        let (tree, errors) = Tree::parse(sql, squawk_parser::EntryPoint::SourceFile);
        assert!(errors.is_empty(), "{errors:?}");
        tree
    }

    #[test]
    fn nodes_cover_their_tokens_and_the_root_covers_the_script() {
        let sql = "  CREATE TABLE t (id int);\nSELECT 1;";
        let tree = tree(sql);
        let Some(root) = tree.root() else {
            panic!("no root");
        };
        assert_eq!(root.kind(), SyntaxKind::SOURCE_FILE);
        assert_eq!(root.text(), sql);
        let statements: Vec<&str> = root.children().map(Node::text).collect();
        assert_eq!(statements, ["CREATE TABLE t (id int);", "SELECT 1;"]);
        let tokens: String = root.tokens().map(Token::text).collect();
        assert_eq!(tokens, sql, "the tokens are the whole script, in order");
    }

    #[test]
    fn descendants_start_with_the_node_and_parents_lead_back() {
        let tree = tree("SELECT a FROM t");
        let Some(root) = tree.root() else {
            panic!("no root");
        };
        let Some(statement) = root.children().next() else {
            panic!("no statement");
        };
        assert!(statement.descendants().next() == Some(statement));
        for node in statement.descendants().skip(1) {
            let mut up = node;
            while let Some(parent) = up.parent() {
                up = parent;
            }
            assert!(
                up == root,
                "{:?} does not lead back to the root",
                node.kind()
            );
        }
        assert!(root.parent().is_none());
    }

    #[test]
    fn a_walk_skips_what_it_is_told_to() {
        let tree = tree("SELECT f(a), b FROM t");
        let Some(root) = tree.root() else {
            panic!("no root");
        };
        let mut visited = Vec::new();
        root.walk(|node| {
            visited.push(node.kind());
            if node.kind() == SyntaxKind::CALL_EXPR {
                Walk::Over
            } else {
                Walk::Into
            }
        });
        let all: Vec<SyntaxKind> = root.descendants().map(Node::kind).collect();
        assert!(visited.contains(&SyntaxKind::CALL_EXPR));
        assert!(
            visited.len() < all.len(),
            "the call's arguments were skipped"
        );
        let under_call = root
            .descendants()
            .find(|node| node.kind() == SyntaxKind::CALL_EXPR)
            .map_or(0, |call| call.descendants().count() - 1);
        assert_eq!(visited.len(), all.len() - under_call);
    }

    #[test]
    fn an_empty_script_has_a_root_and_no_statements() {
        let tree = tree("");
        let Some(root) = tree.root() else {
            panic!("no root");
        };
        assert_eq!(root.children().count(), 0);
    }
}
