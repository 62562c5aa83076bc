/* verval-expr.c: the small expression language of form definitions
 *
 * Expressions are parsed once, when a form loads, into a tree; a name that
 * the form does not define, an unknown function or a wrong argument count is
 * refused there, with the offset of the offending token. Evaluation never
 * fails: it uses three-valued logic, so an unanswered question makes
 * comparisons and arithmetic on it null ("unknown") rather than an error,
 * and a relevance condition on a missing answer hides instead of showing.
 * The language is documented in docs/forms.md.
 *
 * Copyright 2026 The Verval developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "verval-expr"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verval-expr.h"

/* Parentheses, prefix operators and call arguments nest at most MAX_DEPTH
 * deep while parsing; the finished tree holds at most MAX_NODES nodes and is
 * at most MAX_HEIGHT levels tall (a chain "a + b + c" grows one level per
 * operator). Freeing and evaluating recurse over the tree, so these bounds
 * keep them shallow whatever text a form carries. */
#define MAX_DEPTH 48
#define MAX_NODES 4096
#define MAX_HEIGHT 256

G_DEFINE_QUARK (verval-expr-error-quark, verval_expr_error)

typedef enum {
  NODE_LITERAL,
  NODE_REF,
  NODE_NOT,
  NODE_NEG,
  NODE_AND,
  NODE_OR,
  NODE_EQ,
  NODE_NE,
  NODE_LT,
  NODE_LE,
  NODE_GT,
  NODE_GE,
  NODE_ADD,
  NODE_SUB,
  NODE_MUL,
  NODE_DIV,
  NODE_MOD,
  NODE_IN,
  NODE_NOT_IN,
  NODE_CALL,
} NodeKind;

typedef enum {
  FUNC_SELECTED,
  FUNC_COUNT_SELECTED,
  FUNC_IF,
  FUNC_COUNT_TRUE,
  FUNC_SUM,
  FUNC_MIN,
  FUNC_MAX,
  FUNC_COALESCE,
  FUNC_ANSWERED,
  FUNC_ROUND,
  FUNC_ABS,
} Func;

static const struct {
  const char *name;
  Func        func;
  guint       min_args;
  guint       max_args;  /* G_MAXUINT: any number */
} functions[] = {
  { "selected", FUNC_SELECTED, 2, 2 },
  { "count_selected", FUNC_COUNT_SELECTED, 1, 1 },
  { "if", FUNC_IF, 3, 3 },
  { "count_true", FUNC_COUNT_TRUE, 1, G_MAXUINT },
  { "sum", FUNC_SUM, 1, G_MAXUINT },
  { "min", FUNC_MIN, 1, G_MAXUINT },
  { "max", FUNC_MAX, 1, G_MAXUINT },
  { "coalesce", FUNC_COALESCE, 1, G_MAXUINT },
  { "answered", FUNC_ANSWERED, 1, 1 },
  { "round", FUNC_ROUND, 1, 2 },
  { "abs", FUNC_ABS, 1, 1 },
};

typedef struct _Node Node;
struct _Node
{
  NodeKind     kind;
  Func         func;
  VervalValue  literal;   /* NODE_LITERAL; its string is owned by the node */
  char        *name;      /* NODE_REF */
  Node       **args;      /* operands, call arguments, or lhs + "in" list */
  guint        n_args;
  guint        size;      /* nodes in this subtree, itself included */
  guint        height;    /* levels in this subtree; a leaf is 1 */
};

struct _VervalExpr
{
  char *source;
  Node *root;
};

typedef enum {
  TOK_END,
  TOK_NUMBER,
  TOK_STRING,
  TOK_IDENT,
  TOK_DOT,
  TOK_LPAREN,
  TOK_RPAREN,
  TOK_COMMA,
  TOK_OP,
} TokKind;

typedef struct {
  TokKind     kind;
  guint       offset;
  guint       length;
  double      number;
  char       *string;     /* TOK_STRING (decoded), TOK_IDENT */
  NodeKind    op;         /* TOK_OP */
} Token;

typedef struct {
  const char            *text;
  guint                  pos;
  Token                  tok;
  guint                  depth;
  VervalExprResolveFunc  resolve;
  gpointer               user_data;
  guint                  error_offset;
  GError                *error;
} Parser;

static void
node_free (Node *node)
{
  if (node == NULL)
    return;
  for (guint i = 0; i < node->n_args; i++)
    node_free (node->args[i]);
  g_free (node->args);
  g_free (node->name);
  if (node->kind == NODE_LITERAL)
    g_free ((char *) node->literal.string);
  g_free (node);
}

static Node *
node_new (NodeKind kind,
          guint    n_args)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  node->n_args = n_args;
  node->args = n_args > 0 ? g_new0 (Node *, n_args) : NULL;
  node->size = 1;
  node->height = 1;
  return node;
}

static gboolean
fail (Parser     *p,
      guint       offset,
      int         code,
      const char *format,
      ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Parser     *p,
      guint       offset,
      int         code,
      const char *format,
      ...)
{
  va_list args;

  if (p->error != NULL)
    return FALSE;
  va_start (args, format);
  p->error = g_error_new_valist (VERVAL_EXPR_ERROR, code, format, args);
  va_end (args);
  p->error_offset = offset;
  return FALSE;
}

/* Every node with operands passes here once they are in place: it takes the
 * size and height of its subtree and refuses a tree past the bounds. offset
 * is where the node starts in the text, for the error. */
static Node *
check_size (Parser *p,
            Node   *node,
            guint   offset)
{
  for (guint i = 0; i < node->n_args; i++)
    {
      node->size += node->args[i]->size;
      node->height = MAX (node->height, node->args[i]->height + 1);
    }
  if (node->size > MAX_NODES)
    fail (p, offset, VERVAL_EXPR_ERROR_TOO_LONG,
          "expression too long (more than %u operands and operators)", MAX_NODES);
  else if (node->height > MAX_HEIGHT)
    fail (p, offset, VERVAL_EXPR_ERROR_TOO_DEEP,
          "expression nested too deeply (more than %u levels); "
          "split it over several calculations", MAX_HEIGHT);
  else
    return node;
  node_free (node);
  return NULL;
}

static gboolean
is_ident_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static gboolean
lex_string (Parser *p,
            Token  *tok)
{
  const char *text = p->text;
  char quote = text[p->pos];
  GString *out = g_string_new (NULL);
  guint i = p->pos + 1;

  for (;;)
    {
      char c = text[i];

      if (c == '\0')
        {
          g_string_free (out, TRUE);
          return fail (p, tok->offset, VERVAL_EXPR_ERROR_SYNTAX, "unterminated string");
        }
      if (c == quote)
        break;
      if (c == '\\' && (text[i + 1] == quote || text[i + 1] == '\\'))
        c = text[++i];
      g_string_append_c (out, c);
      i++;
    }
  tok->kind = TOK_STRING;
  tok->string = g_string_free (out, FALSE);
  p->pos = i + 1;
  return TRUE;
}

static gboolean
lex_number (Parser *p,
            Token  *tok)
{
  const char *start = p->text + p->pos;
  const char *q = start;
  char *end = NULL;

  while (g_ascii_isdigit (*q))
    q++;
  if (*q == '.' && g_ascii_isdigit (q[1]))
    {
      q++;
      while (g_ascii_isdigit (*q))
        q++;
    }
  if (is_ident_char (*q) || *q == '.')
    return fail (p, tok->offset, VERVAL_EXPR_ERROR_SYNTAX, "malformed number");
  tok->kind = TOK_NUMBER;
  tok->number = g_ascii_strtod (start, &end);
  g_assert (end == q);
  p->pos += (guint) (q - start);
  return TRUE;
}

/* Reads the next token into p->tok. */
static gboolean
next (Parser *p)
{
  const char *text = p->text;
  Token *tok = &p->tok;
  static const struct {
    const char *text;
    NodeKind    op;
  } ops[] = {
    { "==", NODE_EQ }, { "!=", NODE_NE }, { "<>", NODE_NE }, { "<=", NODE_LE },
    { ">=", NODE_GE }, { "=", NODE_EQ }, { "<", NODE_LT }, { ">", NODE_GT },
    { "+", NODE_ADD }, { "-", NODE_SUB }, { "*", NODE_MUL }, { "/", NODE_DIV },
    { "%", NODE_MOD },
  };
  char c;

  g_clear_pointer (&tok->string, g_free);
  while (g_ascii_isspace (text[p->pos]))
    p->pos++;
  tok->offset = p->pos;
  c = text[p->pos];

  if (c == '\0')
    tok->kind = TOK_END;
  else if (c == '"' || c == '\'')
    {
      if (!lex_string (p, tok))
        return FALSE;
    }
  else if (g_ascii_isdigit (c))
    {
      if (!lex_number (p, tok))
        return FALSE;
    }
  else if (is_ident_start (c))
    {
      guint start = p->pos;

      while (is_ident_char (text[p->pos]))
        p->pos++;
      tok->kind = TOK_IDENT;
      tok->string = g_strndup (text + start, p->pos - start);
    }
  else if (c == '.' || c == '(' || c == ')' || c == ',')
    {
      tok->kind = c == '.' ? TOK_DOT : c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : TOK_COMMA;
      p->pos++;
    }
  else
    {
      guint i;

      for (i = 0; i < G_N_ELEMENTS (ops); i++)
        {
          gsize len = strlen (ops[i].text);

          if (strncmp (text + p->pos, ops[i].text, len) == 0)
            {
              tok->kind = TOK_OP;
              tok->op = ops[i].op;
              p->pos += (guint) len;
              break;
            }
        }
      if (i == G_N_ELEMENTS (ops))
        {
          if ((guchar) c >= 0x80)
            return fail (p, tok->offset, VERVAL_EXPR_ERROR_SYNTAX, "unexpected character");
          return fail (p, tok->offset, VERVAL_EXPR_ERROR_SYNTAX, "unexpected character “%c”", c);
        }
    }
  tok->length = p->pos - tok->offset;
  return TRUE;
}

static gboolean
is_keyword (Parser     *p,
            const char *word)
{
  return p->tok.kind == TOK_IDENT && strcmp (p->tok.string, word) == 0;
}

static gboolean
is_op (Parser   *p,
       NodeKind  op)
{
  return p->tok.kind == TOK_OP && p->tok.op == op;
}

static gboolean
describe_unexpected (Parser *p)
{
  if (p->tok.kind == TOK_END)
    return fail (p, p->tok.offset, VERVAL_EXPR_ERROR_SYNTAX, "unexpected end of expression");
  return fail (p, p->tok.offset, VERVAL_EXPR_ERROR_SYNTAX, "unexpected “%.*s”",
               (int) p->tok.length, p->text + p->tok.offset);
}

static gboolean
expect (Parser  *p,
        TokKind  kind,
        const char *what)
{
  if (p->tok.kind != kind)
    {
      if (p->tok.kind == TOK_END)
        return fail (p, p->tok.offset, VERVAL_EXPR_ERROR_SYNTAX,
                     "expected %s at the end of the expression", what);
      return fail (p, p->tok.offset, VERVAL_EXPR_ERROR_SYNTAX, "expected %s instead of “%.*s”",
                   what, (int) p->tok.length, p->text + p->tok.offset);
    }
  return next (p);
}

static Node *parse_or (Parser *p);

static Node *
binary (NodeKind  kind,
        Node     *lhs,
        Node     *rhs)
{
  Node *node = node_new (kind, 2);

  node->args[0] = lhs;
  node->args[1] = rhs;
  return node;
}

typedef Node *(*ParseFunc) (Parser *p);

/* "item, item, …)" after an opening parenthesis. */
static gboolean
parse_list (Parser    *p,
            ParseFunc  item,
            GPtrArray *items)
{
  guint size = 0;

  for (;;)
    {
      guint offset = p->tok.offset;
      Node *node = item (p);

      if (node == NULL)
        return FALSE;
      g_ptr_array_add (items, node);
      size += node->size;
      if (size > MAX_NODES)
        return fail (p, offset, VERVAL_EXPR_ERROR_TOO_LONG,
                     "expression too long (more than %u operands and operators)", MAX_NODES);
      if (p->tok.kind != TOK_COMMA)
        break;
      if (!next (p))
        return FALSE;
    }
  return expect (p, TOK_RPAREN, "“,” or “)”");
}

static Node *
parse_call (Parser     *p,
            const char *name,
            guint       name_offset)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  Node *node;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      if (strcmp (functions[i].name, name) == 0)
        break;
    }
  if (i == G_N_ELEMENTS (functions))
    {
      fail (p, name_offset, VERVAL_EXPR_ERROR_UNKNOWN_FUNCTION, "unknown function “%s”", name);
      return NULL;
    }
  if (!next (p))  /* ( */
    return NULL;
  if (p->tok.kind == TOK_RPAREN)
    {
      if (!next (p))
        return NULL;
    }
  else if (!parse_list (p, parse_or, args))
    return NULL;
  if (args->len < functions[i].min_args || args->len > functions[i].max_args)
    {
      if (functions[i].min_args == functions[i].max_args)
        fail (p, name_offset, VERVAL_EXPR_ERROR_ARGUMENTS, "%s() takes %u argument%s, not %u",
              name, functions[i].min_args, functions[i].min_args == 1 ? "" : "s", args->len);
      else if (functions[i].max_args == G_MAXUINT)
        fail (p, name_offset, VERVAL_EXPR_ERROR_ARGUMENTS, "%s() takes at least %u argument%s",
              name, functions[i].min_args, functions[i].min_args == 1 ? "" : "s");
      else
        fail (p, name_offset, VERVAL_EXPR_ERROR_ARGUMENTS, "%s() takes %u to %u arguments, not %u",
              name, functions[i].min_args, functions[i].max_args, args->len);
      return NULL;
    }
  node = node_new (NODE_CALL, 0);
  node->func = functions[i].func;
  node->n_args = args->len;
  g_ptr_array_set_free_func (args, NULL);
  node->args = (Node **) g_ptr_array_steal (args, NULL);
  return check_size (p, node, name_offset);
}

static Node *
parse_primary (Parser *p)
{
  Node *node = NULL;
  guint offset = p->tok.offset;

  switch (p->tok.kind)
    {
    case TOK_NUMBER:
      node = node_new (NODE_LITERAL, 0);
      node->literal.type = VERVAL_VALUE_NUMBER;
      node->literal.number = p->tok.number;
      break;

    case TOK_STRING:
      node = node_new (NODE_LITERAL, 0);
      node->literal.type = VERVAL_VALUE_STRING;
      node->literal.string = g_steal_pointer (&p->tok.string);
      break;

    case TOK_DOT:
      if (p->resolve == NULL || !p->resolve (".", p->user_data))
        {
          fail (p, offset, VERVAL_EXPR_ERROR_UNKNOWN_NAME,
                "“.” (the value being checked) is only available in constraints");
          return NULL;
        }
      node = node_new (NODE_REF, 0);
      node->name = g_strdup (".");
      break;

    case TOK_LPAREN:
      if (!next (p))
        return NULL;
      node = parse_or (p);
      if (node == NULL || !expect (p, TOK_RPAREN, "“)”"))
        {
          node_free (node);
          return NULL;
        }
      return node;

    case TOK_IDENT:
      {
        g_autofree char *name = g_steal_pointer (&p->tok.string);

        if (strcmp (name, "true") == 0 || strcmp (name, "false") == 0)
          {
            node = node_new (NODE_LITERAL, 0);
            node->literal.type = VERVAL_VALUE_BOOLEAN;
            node->literal.boolean = name[0] == 't';
            break;
          }
        if (strcmp (name, "null") == 0)
          {
            node = node_new (NODE_LITERAL, 0);
            break;
          }
        if (strcmp (name, "and") == 0 || strcmp (name, "or") == 0 ||
            strcmp (name, "not") == 0 || strcmp (name, "in") == 0)
          {
            fail (p, offset, VERVAL_EXPR_ERROR_SYNTAX, "unexpected “%s”", name);
            return NULL;
          }
        if (!next (p))
          return NULL;
        if (p->tok.kind == TOK_LPAREN)
          return parse_call (p, name, offset);
        if (p->resolve == NULL || !p->resolve (name, p->user_data))
          {
            fail (p, offset, VERVAL_EXPR_ERROR_UNKNOWN_NAME, "unknown name “%s”", name);
            return NULL;
          }
        node = node_new (NODE_REF, 0);
        node->name = g_steal_pointer (&name);
        return node;
      }

    case TOK_END:
    case TOK_RPAREN:
    case TOK_COMMA:
    case TOK_OP:
    default:
      describe_unexpected (p);
      return NULL;
    }

  if (!next (p))
    {
      node_free (node);
      return NULL;
    }
  return node;
}

typedef gboolean (*MatchFunc) (Parser *p, NodeKind *op);

/* A prefix operator (the current token) applied to what operand parses. */
static Node *
parse_prefix (Parser    *p,
              NodeKind   kind,
              ParseFunc  operand)
{
  Node *node, *arg;
  guint offset = p->tok.offset;

  if (++p->depth > MAX_DEPTH)
    {
      fail (p, p->tok.offset, VERVAL_EXPR_ERROR_TOO_DEEP, "expression nested too deeply");
      return NULL;
    }
  if (!next (p) || (arg = operand (p)) == NULL)
    return NULL;
  p->depth--;
  node = node_new (kind, 1);
  node->args[0] = arg;
  return check_size (p, node, offset);
}

/* One precedence level of left-associative binary operators. */
static Node *
parse_left_assoc (Parser    *p,
                  ParseFunc  operand,
                  MatchFunc  match)
{
  Node *lhs = operand (p);
  NodeKind op;

  while (lhs != NULL && match (p, &op))
    {
      guint offset = p->tok.offset;
      Node *rhs;

      if (!next (p) || (rhs = operand (p)) == NULL)
        {
          node_free (lhs);
          return NULL;
        }
      lhs = check_size (p, binary (op, lhs, rhs), offset);
    }
  return lhs;
}

static Node *
parse_unary (Parser *p)
{
  if (is_op (p, NODE_SUB))
    return parse_prefix (p, NODE_NEG, parse_unary);
  return parse_primary (p);
}

static gboolean
match_mul (Parser   *p,
           NodeKind *op)
{
  *op = p->tok.op;
  return is_op (p, NODE_MUL) || is_op (p, NODE_DIV) || is_op (p, NODE_MOD);
}

static Node *
parse_mul (Parser *p)
{
  return parse_left_assoc (p, parse_unary, match_mul);
}

static gboolean
match_add (Parser   *p,
           NodeKind *op)
{
  *op = p->tok.op;
  return is_op (p, NODE_ADD) || is_op (p, NODE_SUB);
}

static Node *
parse_add (Parser *p)
{
  return parse_left_assoc (p, parse_mul, match_add);
}

/* "x in (1, 2, 3)" or "x in field": the node holds x followed by the items. */
static Node *
parse_in (Parser   *p,
          Node     *lhs,
          NodeKind  kind)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  guint offset = p->tok.offset;
  Node *node;

  g_ptr_array_add (items, lhs);
  if (p->tok.kind == TOK_LPAREN)
    {
      if (!next (p) || !parse_list (p, parse_add, items))
        return NULL;
    }
  else
    {
      Node *item = parse_add (p);

      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }
  node = node_new (kind, 0);
  node->n_args = items->len;
  g_ptr_array_set_free_func (items, NULL);
  node->args = (Node **) g_ptr_array_steal (items, NULL);
  return check_size (p, node, offset);
}

static gboolean
is_comparison (Parser *p)
{
  return p->tok.kind == TOK_OP && p->tok.op >= NODE_EQ && p->tok.op <= NODE_GE;
}

static Node *
parse_comparison (Parser *p)
{
  Node *lhs = parse_add (p);
  Node *node = NULL;

  if (lhs == NULL)
    return NULL;

  if (is_comparison (p))
    {
      NodeKind op = p->tok.op;
      guint offset = p->tok.offset;
      Node *rhs;

      if (!next (p) || (rhs = parse_add (p)) == NULL)
        {
          node_free (lhs);
          return NULL;
        }
      if ((node = check_size (p, binary (op, lhs, rhs), offset)) == NULL)
        return NULL;
    }
  else if (is_keyword (p, "in"))
    {
      if (!next (p))
        {
          node_free (lhs);
          return NULL;
        }
      if ((node = parse_in (p, lhs, NODE_IN)) == NULL)
        return NULL;
    }
  else if (is_keyword (p, "not"))
    {
      guint offset = p->tok.offset;

      if (!next (p))
        {
          node_free (lhs);
          return NULL;
        }
      if (!is_keyword (p, "in"))
        {
          node_free (lhs);
          fail (p, offset, VERVAL_EXPR_ERROR_SYNTAX, "expected “not in”");
          return NULL;
        }
      if (!next (p))
        {
          node_free (lhs);
          return NULL;
        }
      if ((node = parse_in (p, lhs, NODE_NOT_IN)) == NULL)
        return NULL;
    }
  else
    return lhs;

  if (is_comparison (p) || is_keyword (p, "in"))
    {
      node_free (node);
      fail (p, p->tok.offset, VERVAL_EXPR_ERROR_SYNTAX,
            "comparisons cannot be chained; use “and”");
      return NULL;
    }
  return node;
}

static Node *
parse_not (Parser *p)
{
  if (is_keyword (p, "not"))
    return parse_prefix (p, NODE_NOT, parse_not);
  return parse_comparison (p);
}

static gboolean
match_and (Parser   *p,
           NodeKind *op)
{
  *op = NODE_AND;
  return is_keyword (p, "and");
}

static Node *
parse_and (Parser *p)
{
  return parse_left_assoc (p, parse_not, match_and);
}

static gboolean
match_or (Parser   *p,
          NodeKind *op)
{
  *op = NODE_OR;
  return is_keyword (p, "or");
}

/* The whole grammar; also the entry for parentheses and arguments, so the
 * depth counted here bounds the recursion. */
static Node *
parse_or (Parser *p)
{
  Node *node;

  if (++p->depth > MAX_DEPTH)
    {
      fail (p, p->tok.offset, VERVAL_EXPR_ERROR_TOO_DEEP, "expression nested too deeply");
      return NULL;
    }
  node = parse_left_assoc (p, parse_and, match_or);
  p->depth--;
  return node;
}

/* Parses text. On failure *error_offset is the byte offset of the offending
 * token in text. */
VervalExpr *
verval_expr_parse (const char             *text,
                   VervalExprResolveFunc   resolve,
                   gpointer                user_data,
                   guint                  *error_offset,
                   GError                **error)
{
  Parser p = { 0 };
  Node *root = NULL;
  VervalExpr *expr;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p.text = text;
  p.resolve = resolve;
  p.user_data = user_data;

  if (next (&p))
    {
      if (p.tok.kind == TOK_END)
        fail (&p, 0, VERVAL_EXPR_ERROR_SYNTAX, "empty expression");
      else if ((root = parse_or (&p)) != NULL && p.tok.kind != TOK_END)
        describe_unexpected (&p);
    }
  g_free (p.tok.string);

  if (p.error != NULL)
    {
      node_free (root);
      if (error_offset != NULL)
        *error_offset = p.error_offset;
      g_propagate_error (error, p.error);
      return NULL;
    }
  expr = g_new0 (VervalExpr, 1);
  expr->source = g_strdup (text);
  expr->root = root;
  return expr;
}

void
verval_expr_free (VervalExpr *expr)
{
  if (expr == NULL)
    return;
  node_free (expr->root);
  g_free (expr->source);
  g_free (expr);
}

const char *
verval_expr_get_source (VervalExpr *expr)
{
  g_return_val_if_fail (expr != NULL, NULL);

  return expr->source;
}

void
verval_value_from_node (JsonNode    *node,
                        VervalValue *value)
{
  memset (value, 0, sizeof *value);
  if (node == NULL)
    return;
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      value->type = VERVAL_VALUE_OBJECT;
      break;
    case JSON_NODE_ARRAY:
      value->type = VERVAL_VALUE_LIST;
      value->list = json_node_get_array (node);
      break;
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          value->type = VERVAL_VALUE_BOOLEAN;
          value->boolean = json_node_get_boolean (node);
          break;
        case G_TYPE_INT64:
        case G_TYPE_DOUBLE:
          value->type = VERVAL_VALUE_NUMBER;
          value->number = json_node_get_double (node);
          break;
        case G_TYPE_STRING:
          value->type = VERVAL_VALUE_STRING;
          value->string = json_node_get_string (node);
          break;
        default:
          break;
        }
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

/* Numbers that are whole become JSON integers, so counts read as counts. */
JsonNode *
verval_value_to_node (const VervalValue *value)
{
  JsonNode *node = json_node_alloc ();

  switch (value->type)
    {
    case VERVAL_VALUE_BOOLEAN:
      return json_node_init_boolean (node, value->boolean);
    case VERVAL_VALUE_NUMBER:
      if (isfinite (value->number) && value->number == floor (value->number) &&
          fabs (value->number) < 9007199254740992.0)
        return json_node_init_int (node, (gint64) value->number);
      return json_node_init_double (node, value->number);
    case VERVAL_VALUE_STRING:
      return json_node_init_string (node, value->string);
    case VERVAL_VALUE_LIST:
      return json_node_init_array (node, value->list);
    case VERVAL_VALUE_NULL:
    case VERVAL_VALUE_OBJECT:
    default:
      return json_node_init_null (node);
    }
}

gboolean
verval_value_is_true (const VervalValue *value)
{
  switch (value->type)
    {
    case VERVAL_VALUE_BOOLEAN:
      return value->boolean;
    case VERVAL_VALUE_NUMBER:
      return value->number != 0;
    case VERVAL_VALUE_STRING:
      return value->string[0] != '\0';
    case VERVAL_VALUE_LIST:
      return json_array_get_length (value->list) > 0;
    case VERVAL_VALUE_OBJECT:
      return TRUE;
    case VERVAL_VALUE_NULL:
    default:
      return FALSE;
    }
}

typedef struct {
  VervalExprLookupFunc lookup;
  gpointer             user_data;
} Env;

static void eval (Node *node, Env *env, VervalValue *out);

static void
set_null (VervalValue *out)
{
  memset (out, 0, sizeof *out);
}

static void
set_bool (VervalValue *out,
          gboolean     b)
{
  set_null (out);
  out->type = VERVAL_VALUE_BOOLEAN;
  out->boolean = b;
}

static void
set_number (VervalValue *out,
            double       n)
{
  set_null (out);
  if (!isfinite (n))
    return;
  out->type = VERVAL_VALUE_NUMBER;
  out->number = n;
}

/* Empty answers ("" or []) count as unanswered. */
static gboolean
is_empty (const VervalValue *v)
{
  return v->type == VERVAL_VALUE_NULL ||
         (v->type == VERVAL_VALUE_STRING && v->string[0] == '\0') ||
         (v->type == VERVAL_VALUE_LIST && json_array_get_length (v->list) == 0);
}

static gboolean
values_equal (const VervalValue *a,
              const VervalValue *b)
{
  if (a->type != b->type)
    return FALSE;
  switch (a->type)
    {
    case VERVAL_VALUE_NULL:
      return TRUE;
    case VERVAL_VALUE_BOOLEAN:
      return a->boolean == b->boolean;
    case VERVAL_VALUE_NUMBER:
      return a->number == b->number;
    case VERVAL_VALUE_STRING:
      return strcmp (a->string, b->string) == 0;
    case VERVAL_VALUE_LIST:
    case VERVAL_VALUE_OBJECT:
    default:
      return FALSE;
    }
}

static gboolean
list_contains (JsonArray         *list,
               const VervalValue *item)
{
  guint n = json_array_get_length (list);

  for (guint i = 0; i < n; i++)
    {
      VervalValue element;

      verval_value_from_node (json_array_get_element (list, i), &element);
      if (values_equal (&element, item))
        return TRUE;
    }
  return FALSE;
}

/* lhs in (items…): a list on the left matches if any of its elements does;
 * an item that is a list (a multiple-choice field) matches its elements. */
static void
eval_in (Node        *node,
         Env         *env,
         VervalValue *out)
{
  VervalValue lhs;
  gboolean found = FALSE;

  eval (node->args[0], env, &lhs);
  if (is_empty (&lhs))
    {
      set_null (out);
      return;
    }
  for (guint i = 1; i < node->n_args && !found; i++)
    {
      VervalValue item;

      eval (node->args[i], env, &item);
      if (lhs.type == VERVAL_VALUE_LIST)
        {
          guint n = json_array_get_length (lhs.list);

          for (guint j = 0; j < n && !found; j++)
            {
              VervalValue element;

              verval_value_from_node (json_array_get_element (lhs.list, j), &element);
              found = item.type == VERVAL_VALUE_LIST ? list_contains (item.list, &element)
                                                    : values_equal (&element, &item);
            }
        }
      else
        found = item.type == VERVAL_VALUE_LIST ? list_contains (item.list, &lhs)
                                              : values_equal (&lhs, &item);
    }
  set_bool (out, node->kind == NODE_IN ? found : !found);
}

static void
eval_compare (Node        *node,
              Env         *env,
              VervalValue *out)
{
  VervalValue a, b;
  int cmp;

  eval (node->args[0], env, &a);
  eval (node->args[1], env, &b);

  if (node->kind == NODE_EQ || node->kind == NODE_NE)
    {
      gboolean eq = values_equal (&a, &b);

      set_bool (out, node->kind == NODE_EQ ? eq : !eq);
      return;
    }
  if (a.type == VERVAL_VALUE_NUMBER && b.type == VERVAL_VALUE_NUMBER)
    cmp = a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  else if (a.type == VERVAL_VALUE_STRING && b.type == VERVAL_VALUE_STRING)
    cmp = strcmp (a.string, b.string);  /* ISO dates order as text */
  else
    {
      set_null (out);
      return;
    }
  switch (node->kind)
    {
    case NODE_LT:
      set_bool (out, cmp < 0);
      break;
    case NODE_LE:
      set_bool (out, cmp <= 0);
      break;
    case NODE_GT:
      set_bool (out, cmp > 0);
      break;
    case NODE_GE:
    default:
      set_bool (out, cmp >= 0);
      break;
    }
}

static void
eval_arith (Node        *node,
            Env         *env,
            VervalValue *out)
{
  VervalValue a, b;

  eval (node->args[0], env, &a);
  eval (node->args[1], env, &b);
  if (a.type != VERVAL_VALUE_NUMBER || b.type != VERVAL_VALUE_NUMBER)
    {
      set_null (out);
      return;
    }
  switch (node->kind)
    {
    case NODE_ADD:
      set_number (out, a.number + b.number);
      break;
    case NODE_SUB:
      set_number (out, a.number - b.number);
      break;
    case NODE_MUL:
      set_number (out, a.number * b.number);
      break;
    case NODE_DIV:
      if (b.number == 0)
        set_null (out);
      else
        set_number (out, a.number / b.number);
      break;
    case NODE_MOD:
    default:
      if (b.number == 0)
        set_null (out);
      else
        set_number (out, fmod (a.number, b.number));
      break;
    }
}

/* Kleene logic: false and unknown = false, true or unknown = true. */
static void
eval_logic (Node        *node,
            Env         *env,
            VervalValue *out)
{
  gboolean is_and = node->kind == NODE_AND;
  gboolean unknown = FALSE;

  for (guint i = 0; i < 2; i++)
    {
      VervalValue v;

      eval (node->args[i], env, &v);
      if (v.type == VERVAL_VALUE_NULL)
        unknown = TRUE;
      else if (verval_value_is_true (&v) != is_and)
        {
          set_bool (out, !is_and);
          return;
        }
    }
  if (unknown)
    set_null (out);
  else
    set_bool (out, is_and);
}

static void
eval_call (Node        *node,
           Env         *env,
           VervalValue *out)
{
  VervalValue v;

  set_null (out);
  switch (node->func)
    {
    case FUNC_SELECTED:
      {
        VervalValue code;

        eval (node->args[0], env, &v);
        eval (node->args[1], env, &code);
        if (v.type == VERVAL_VALUE_LIST)
          set_bool (out, list_contains (v.list, &code));
        else if (v.type != VERVAL_VALUE_NULL)
          set_bool (out, values_equal (&v, &code));
        else
          set_bool (out, FALSE);
      }
      break;

    case FUNC_COUNT_SELECTED:
      eval (node->args[0], env, &v);
      if (v.type == VERVAL_VALUE_LIST)
        set_number (out, json_array_get_length (v.list));
      else
        set_number (out, is_empty (&v) ? 0 : 1);
      break;

    case FUNC_IF:
      eval (node->args[0], env, &v);
      eval (node->args[verval_value_is_true (&v) ? 1 : 2], env, out);
      break;

    case FUNC_COUNT_TRUE:
      {
        guint n = 0;

        for (guint i = 0; i < node->n_args; i++)
          {
            eval (node->args[i], env, &v);
            n += verval_value_is_true (&v) ? 1 : 0;
          }
        set_number (out, n);
      }
      break;

    case FUNC_SUM:
      {
        double sum = 0;

        for (guint i = 0; i < node->n_args; i++)
          {
            eval (node->args[i], env, &v);
            if (v.type == VERVAL_VALUE_NUMBER)
              sum += v.number;
          }
        set_number (out, sum);
      }
      break;

    case FUNC_MIN:
    case FUNC_MAX:
      for (guint i = 0; i < node->n_args; i++)
        {
          eval (node->args[i], env, &v);
          if (v.type != VERVAL_VALUE_NUMBER)
            continue;
          if (out->type == VERVAL_VALUE_NULL ||
              (node->func == FUNC_MIN ? v.number < out->number : v.number > out->number))
            set_number (out, v.number);
        }
      break;

    case FUNC_COALESCE:
      for (guint i = 0; i < node->n_args; i++)
        {
          eval (node->args[i], env, out);
          if (!is_empty (out))
            return;
        }
      set_null (out);
      break;

    case FUNC_ANSWERED:
      eval (node->args[0], env, &v);
      set_bool (out, !is_empty (&v));
      break;

    case FUNC_ROUND:
      {
        VervalValue digits = { VERVAL_VALUE_NUMBER, FALSE, 0, NULL, NULL };
        double scale;

        eval (node->args[0], env, &v);
        if (node->n_args > 1)
          eval (node->args[1], env, &digits);
        if (v.type != VERVAL_VALUE_NUMBER || digits.type != VERVAL_VALUE_NUMBER ||
            digits.number < 0 || digits.number > 9)
          break;
        scale = pow (10, floor (digits.number));
        set_number (out, round (v.number * scale) / scale);
      }
      break;

    case FUNC_ABS:
    default:
      eval (node->args[0], env, &v);
      if (v.type == VERVAL_VALUE_NUMBER)
        set_number (out, fabs (v.number));
      break;
    }
}

static void
eval (Node        *node,
      Env         *env,
      VervalValue *out)
{
  VervalValue v;

  switch (node->kind)
    {
    case NODE_LITERAL:
      *out = node->literal;
      break;

    case NODE_REF:
      set_null (out);
      env->lookup (node->name, out, env->user_data);
      break;

    case NODE_NOT:
      eval (node->args[0], env, &v);
      if (v.type == VERVAL_VALUE_NULL)
        set_null (out);
      else
        set_bool (out, !verval_value_is_true (&v));
      break;

    case NODE_NEG:
      eval (node->args[0], env, &v);
      if (v.type == VERVAL_VALUE_NUMBER)
        set_number (out, -v.number);
      else
        set_null (out);
      break;

    case NODE_AND:
    case NODE_OR:
      eval_logic (node, env, out);
      break;

    case NODE_EQ:
    case NODE_NE:
    case NODE_LT:
    case NODE_LE:
    case NODE_GT:
    case NODE_GE:
      eval_compare (node, env, out);
      break;

    case NODE_ADD:
    case NODE_SUB:
    case NODE_MUL:
    case NODE_DIV:
    case NODE_MOD:
      eval_arith (node, env, out);
      break;

    case NODE_IN:
    case NODE_NOT_IN:
      eval_in (node, env, out);
      break;

    case NODE_CALL:
    default:
      eval_call (node, env, out);
      break;
    }
}

void
verval_expr_evaluate (VervalExpr           *expr,
                      VervalExprLookupFunc  lookup,
                      gpointer              user_data,
                      VervalValue          *result)
{
  Env env = { lookup, user_data };

  g_return_if_fail (expr != NULL);
  g_return_if_fail (lookup != NULL);
  g_return_if_fail (result != NULL);

  eval (expr->root, &env, result);
}

int
verval_expr_evaluate_condition (VervalExpr           *expr,
                                VervalExprLookupFunc  lookup,
                                gpointer              user_data)
{
  VervalValue v;

  verval_expr_evaluate (expr, lookup, user_data, &v);
  if (v.type == VERVAL_VALUE_NULL)
    return -1;
  return verval_value_is_true (&v) ? TRUE : FALSE;
}
