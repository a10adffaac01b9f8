//! The parsed form of OTTL statements and conditions, before names are resolved.
//! Every node keeps the byte offset where it starts, for positioned errors.

/// `editor(args) [where condition]`.
#[derive(Clone, Debug)]
pub struct Statement {
    pub editor: Call,
    pub condition: Option<BoolExpr>,
}

/// A function invocation: an editor (lowercase) or a converter (uppercase),
/// optionally indexed (`Split(x, ",")[0]`).
#[derive(Clone, Debug)]
pub struct Call {
    pub name: String,
    pub at: usize,
    pub args: Vec<Arg>,
    pub keys: Vec<Key>,
}

#[derive(Clone, Debug)]
pub struct Arg {
    /// `name = value`; the name and where it starts.
    pub name: Option<(String, usize)>,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub enum BoolExpr {
    Or(Vec<BoolExpr>),
    And(Vec<BoolExpr>),
    Not(Box<BoolExpr>),
    Compare {
        left: Value,
        op: CmpOp,
        right: Value,
    },
    Const(bool),
    /// A converter that must return a bool.
    Converter(Call),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn reversed(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            op => op,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl MathOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MathOp::Add => "+",
            MathOp::Sub => "-",
            MathOp::Mul => "*",
            MathOp::Div => "/",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Value {
    Nil(usize),
    Bool(bool, usize),
    Int(i64, usize),
    Float(f64, usize),
    Str(String, usize),
    Bytes(Vec<u8>, usize),
    /// An uppercase name not followed by `(`: an enum, or a function name where
    /// a parameter takes one (`replace_pattern(..., SHA256)`).
    Enum(String, usize),
    Path(Path),
    Converter(Call),
    /// A lowercase function in value position: an error once resolved.
    Editor(Call),
    Math {
        left: Box<Value>,
        op: MathOp,
        right: Box<Value>,
        at: usize,
    },
    List(Vec<Value>, usize),
    Map(Vec<(String, Value)>, usize),
    /// `(k, v) => body`: an argument of the lambda converters.
    Lambda(Box<Lambda>),
}

/// A lambda expression: its formals (`_` for unused ones) and its body.
#[derive(Clone, Debug)]
pub struct Lambda {
    pub at: usize,
    pub params: Vec<(String, usize)>,
    pub body: LambdaBody,
}

/// A lambda's body: a value (`Int(v) * 2`) or a condition (`v == "prod"`).
#[derive(Clone, Debug)]
pub enum LambdaBody {
    Value(Value),
    Cond(BoolExpr),
}

impl Value {
    pub fn at(&self) -> usize {
        match self {
            Value::Nil(a)
            | Value::Bool(_, a)
            | Value::Int(_, a)
            | Value::Float(_, a)
            | Value::Str(_, a)
            | Value::Bytes(_, a)
            | Value::Enum(_, a)
            | Value::List(_, a)
            | Value::Map(_, a) => *a,
            Value::Math { at, .. } => *at,
            Value::Path(p) => p.at,
            Value::Converter(c) | Value::Editor(c) => c.at,
            Value::Lambda(l) => l.at,
        }
    }
}

/// `context.field[key].field...`: dot-separated lowercase fields, each with keys.
#[derive(Clone, Debug)]
pub struct Path {
    pub at: usize,
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub at: usize,
    pub keys: Vec<Key>,
}

#[derive(Clone, Debug)]
pub struct Key {
    pub at: usize,
    pub kind: KeyKind,
}

#[derive(Clone, Debug)]
pub enum KeyKind {
    Str(String),
    Int(i64),
    /// A path or converter whose value is the key.
    Expr(Box<Value>),
}

impl Path {
    /// The path as written, for messages: `attributes["k"]` keys are left out.
    pub fn dotted(&self) -> String {
        self.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(".")
    }
}

/// Every path in a value, depth first.
pub fn visit_paths<'a>(v: &'a Value, f: &mut dyn FnMut(&'a Path)) {
    match v {
        Value::Path(p) => {
            f(p);
            for field in &p.fields {
                visit_key_paths(&field.keys, f);
            }
        }
        Value::Converter(c) | Value::Editor(c) => visit_call_paths(c, f),
        Value::Math { left, right, .. } => {
            visit_paths(left, f);
            visit_paths(right, f);
        }
        Value::List(items, _) => items.iter().for_each(|i| visit_paths(i, f)),
        Value::Map(items, _) => items.iter().for_each(|(_, i)| visit_paths(i, f)),
        _ => {}
    }
}

fn visit_key_paths<'a>(keys: &'a [Key], f: &mut dyn FnMut(&'a Path)) {
    for k in keys {
        if let KeyKind::Expr(e) = &k.kind {
            visit_paths(e, f);
        }
    }
}

pub fn visit_call_paths<'a>(c: &'a Call, f: &mut dyn FnMut(&'a Path)) {
    for a in &c.args {
        visit_paths(&a.value, f);
    }
    visit_key_paths(&c.keys, f);
}

pub fn visit_bool_paths<'a>(b: &'a BoolExpr, f: &mut dyn FnMut(&'a Path)) {
    match b {
        BoolExpr::Or(items) | BoolExpr::And(items) => items.iter().for_each(|i| visit_bool_paths(i, f)),
        BoolExpr::Not(inner) => visit_bool_paths(inner, f),
        BoolExpr::Compare { left, right, .. } => {
            visit_paths(left, f);
            visit_paths(right, f);
        }
        BoolExpr::Const(_) => {}
        BoolExpr::Converter(c) => visit_call_paths(c, f),
    }
}

pub fn visit_statement_paths<'a>(s: &'a Statement, f: &mut dyn FnMut(&'a Path)) {
    visit_call_paths(&s.editor, f);
    if let Some(c) = &s.condition {
        visit_bool_paths(c, f);
    }
}
