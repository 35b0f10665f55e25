//! GraphQL Relay connections, as a preset over the JSON API settings: the query
//! sent as a POST with its variables, the cursor goes into a variable, items are the
//! connection's `nodes` (or its `edges`' `node`s), and `pageInfo` says when it
//! is done. A response with `errors` is never ignored.

use serde_json::{Map, Value, json};

use super::JsonApi;
use crate::paginate::FetchError;

/// A GraphQL connection to page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GraphQl {
    pub(super) query: String,
    /// Where the connection is in the response (`/data/repository/issues`).
    pub(super) connection: String,
    pub(super) variables: Map<String, Value>,
    pub(super) cursor_var: String,
}

impl GraphQl {
    /// The request body of the first page; the cursor goes at `/variables/NAME`.
    pub(super) fn body(&self) -> Value {
        let mut variables = self.variables.clone();
        variables.insert(self.cursor_var.clone(), Value::Null);
        json!({ "query": self.query, "variables": variables })
    }
}

/// Fails a page whose response has `errors`: rate limits are transient (retried
/// like a 429), anything else is permanent, quoting the first message.
pub(super) fn check_errors(errors: Option<&Value>, has_data: bool) -> Result<(), FetchError> {
    let Some(errors) = errors.filter(|errors| !errors.is_null()) else {
        return Ok(());
    };
    let list = errors.as_array().map(Vec::as_slice).unwrap_or_default();
    if list.is_empty() && errors.is_array() {
        return Ok(());
    }
    let first = list
        .first()
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str)
        .unwrap_or("(no message)");
    let more = match list.len() {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let partial = if has_data { ", with partial data" } else { "" };
    let message = format!("GraphQL error: {first}{more}{partial}");
    let throttled = list.iter().any(|error| {
        error.pointer("/extensions/code").and_then(Value::as_str) == Some("THROTTLED")
            || error.get("type").and_then(Value::as_str) == Some("RATE_LIMITED")
            || error.pointer("/extensions/code").and_then(Value::as_str) == Some("RATE_LIMITED")
    });
    Err(if throttled {
        FetchError::transient(message)
    } else {
        FetchError::permanent(message)
    })
}

impl JsonApi {
    /// Pages a GraphQL Relay connection: `query` is sent as a POST to the API's URL with
    /// its variables, the cursor in the variable `after` (see
    /// [`JsonApi::graphql_cursor_var`]) and `null` on the first page. `connection`
    /// is the connection's JSON pointer in the response (`/data/repository/issues`):
    /// items are its `nodes`, or its `edges`' `node`s (and
    /// [`JsonApi::item_at`] applies inside each); the next cursor is
    /// `pageInfo.endCursor`, and the run ends on `pageInfo.hasNextPage == false`.
    ///
    /// A response with `errors` is never ignored: it is a page error quoting the
    /// first message. A rate-limit error (`extensions.code` `THROTTLED`, `type`
    /// `RATE_LIMITED`) is transient and retried like a 429, as is a 403 or 429
    /// with `Retry-After`. Resuming works as for cursors: positions carry the
    /// cursor.
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use aiter::http::JsonApi;
    /// use futures_lite::StreamExt;
    /// use serde_json::json;
    ///
    /// // A GraphQL endpoint serving a connection of 3 nodes, 2 a page.
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let url = format!("http://{}/graphql", listener.local_addr()?);
    /// trillium_smol::config()
    ///     .without_signals()
    ///     .with_prebound_server(smol::net::TcpListener::try_from(listener)?)
    ///     .spawn(|mut conn: trillium::Conn| async move {
    ///         let request: serde_json::Value = serde_json::from_str(&conn.request_body_string().await.unwrap()).unwrap();
    ///         let (nodes, end, more) = match request["variables"]["after"].as_str() {
    ///             None => (json!([{"n": 1}, {"n": 2}]), "c2", true),
    ///             Some(_) => (json!([{"n": 3}]), "c3", false),
    ///         };
    ///         let page = json!({"data": {"repo": {"issues": {
    ///             "nodes": nodes, "pageInfo": {"endCursor": end, "hasNextPage": more}}}}});
    ///         conn.ok(page.to_string())
    ///     });
    ///
    /// let query = "query($after: String) { repo { issues(first: 2, after: $after) { nodes { n } pageInfo { endCursor hasNextPage } } } }";
    /// let all: Vec<u64> = JsonApi::new(&url)?
    ///     .graphql(query, "/data/repo/issues")
    ///     .item_at("/n")
    ///     .paginator::<u64>()
    ///     .items()
    ///     .map(|item| item.unwrap().item)
    ///     .collect()
    ///     .await;
    /// assert_eq!(all, [1, 2, 3]);
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    #[must_use]
    pub fn graphql(mut self, query: &str, connection: &str) -> Self {
        let graphql = self.graphql_mut();
        query.clone_into(&mut graphql.query);
        connection.clone_into(&mut graphql.connection);
        self
    }

    /// Sets further GraphQL variables (a JSON object: `{"owner": "rust-lang"}`),
    /// sent with every page. Anything but an object makes the first page fail
    /// and say so.
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/graphql")?
    ///     .graphql("query($owner: String!, $after: String) { ... }", "/data/repositoryOwner/repositories")
    ///     .graphql_variables(serde_json::json!({"owner": "rust-lang"}));
    /// assert!(format!("{api:?}").contains("rust-lang"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn graphql_variables(mut self, variables: Value) -> Self {
        match variables {
            Value::Object(map) => self.graphql_mut().variables = map,
            other => {
                self.graphql_error = Some(format!(
                    "the GraphQL variables must be a JSON object, not {}",
                    super::describe(&other)
                ));
            }
        }
        self
    }

    /// Sets the GraphQL variable the cursor goes into (default `after`).
    ///
    /// ```
    /// let api = aiter::http::JsonApi::new("https://api.example.com/graphql")?
    ///     .graphql("query($cursor: String) { ... }", "/data/items")
    ///     .graphql_cursor_var("cursor");
    /// assert!(format!("{api:?}").contains("cursor"));
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    /// ```
    #[must_use]
    pub fn graphql_cursor_var(mut self, name: &str) -> Self {
        name.clone_into(&mut self.graphql_mut().cursor_var);
        self
    }

    /// The settings a GraphQL connection implies: a POST of the query, the
    /// cursor into its variable, `pageInfo` for the next cursor and the end.
    pub(super) fn graphql_preset(mut self) -> Self {
        let Some(graphql) = &self.graphql else {
            return self;
        };
        let connection = &graphql.connection;
        self.body = Some(graphql.body());
        self.body_key = Some(format!("/variables/{}", escape_token(&graphql.cursor_var)));
        self.style = super::Style::Cursor {
            param: graphql.cursor_var.clone(),
            path: format!("{connection}/pageInfo/endCursor"),
        };
        self.stop.more = Some(format!("{connection}/pageInfo/hasNextPage"));
        self
    }

    fn graphql_mut(&mut self) -> &mut GraphQl {
        self.graphql.get_or_insert_with(|| GraphQl {
            query: String::new(),
            connection: String::new(),
            variables: Map::new(),
            cursor_var: "after".to_owned(),
        })
    }
}

/// A name as one JSON pointer token.
fn escape_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::check_errors;
    use serde_json::json;

    #[test]
    fn errors_are_never_ignored_and_rate_limits_are_transient() {
        assert!(check_errors(None, true).is_ok());
        assert!(check_errors(Some(&json!([])), true).is_ok());
        let error = check_errors(
            Some(&json!([{"message": "bad field"}, {"message": "x"}])),
            false,
        )
        .unwrap_err();
        assert_eq!(error.to_string(), "GraphQL error: bad field (and 1 more)");
        assert!(!error.is_transient());
        let shopify = json!([{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]);
        assert!(
            check_errors(Some(&shopify), false)
                .unwrap_err()
                .is_transient()
        );
        let github = json!([{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]);
        assert!(
            check_errors(Some(&github), false)
                .unwrap_err()
                .is_transient()
        );
    }
}
