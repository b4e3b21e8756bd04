"""The Lark grammar of sweep files (a superset of Gin), kept as a Python string so that it ships
with the package without package-data configuration."""

GRAMMAR = r"""
start: _NL? _stmt*

_stmt: assign | sweep | include | import_ | product | union | with_ | table

assign: NAME EQUAL expr _NL
sweep: NAME COLON expr _NL
include: INCLUDE STRING _NL
import_: IMPORT NAME _NL

product: PRODUCT COLON _NL _INDENT _stmt+ _DEDENT
union: UNION COLON _NL _INDENT _stmt+ _DEDENT
with_: WITH NAME COLON _NL _INDENT _stmt+ _DEDENT
table: TABLE table_keys COLON _NL _INDENT row+ _DEDENT
table_keys: LPAR NAME ("," NAME)* ","? RPAR
          | NAME ("," NAME)* ","?
row: expr ("," expr)* ","? _NL

// ---- expressions ------------------------------------------------------------------------
// An expression is a flat chain `operand (binop operand)*`; the transformer applies Python's
// precedence to it (fewer grammar levels make long tables parse several times faster).
// `not` prefixes an operand; `-`, `+`, `~` and `**` bind inside it, as in Python.
expr: operand (binop operand)*
?operand: NOT+ factor -> nots
        | factor
!?factor: ("+" | "-" | "~") factor | power
!?power: atom "**" factor | atom
!binop: OR | AND | "<" | ">" | "==" | ">=" | "<=" | "!=" | "<>" | "in" | NOT "in" | "is"
      | "|" | "^" | "&" | "<<" | ">>" | "+" | "-" | "*" | "/" | "//" | "%"

?atom: NUMBER -> number
     | STRING+ -> string
     | "True" -> true
     | "False" -> false
     | "None" -> none
     | MACRO -> macro
     | REF -> ref
     | REF LPAR [arg ("," arg)* ","?] RPAR -> call
     | NAME LPAR [arg ("," arg)* ","?] RPAR -> func
     | NAME -> bare_name
     | LSQB [expr ("," expr)* ","?] RSQB -> list
     | LPAR RPAR -> tuple
     | LPAR expr RPAR -> paren
     | LPAR (expr ",")+ expr? RPAR -> tuple
     | LBRACE [pair ("," pair)* ","?] RBRACE -> dict

arg: expr | NAME EQUAL expr
pair: expr COLON expr

// ---- tokens ------------------------------------------------------------------------------
INCLUDE: "include"
IMPORT: "import"
PRODUCT: "product"
UNION: "union"
WITH: "with"
TABLE: "table"
OR: "or"
AND: "and"
NOT: "not"
EQUAL: "="
COLON: ":"
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
LBRACE: "{"
RBRACE: "}"

NAME: /[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_.]*)*/
MACRO: /%[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_.]*)*/
REF: /@[A-Za-z_][A-Za-z0-9_.]*(\/[A-Za-z_][A-Za-z0-9_.]*)*/
NUMBER: /(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|((\d(_?\d)*)?\.\d(_?\d)*|\d(_?\d)*\.?)([eE][+-]?\d(_?\d)*)?[jJ]?)/
STRING: /[rRbBuU]{0,2}(\x22\x22\x22(?:[^\\]|\\.)*?\x22\x22\x22|'''(?:[^\\]|\\.)*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/s

COMMENT: /#[^\n]*/
_NL: (/\r?\n[\t ]*/ | COMMENT)+

%ignore /[\t \f]+/
%ignore /\\\r?\n/
%ignore COMMENT
%declare _INDENT _DEDENT
"""
