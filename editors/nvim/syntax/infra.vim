" Syntax highlighting for the infra deploy language (.infra).
if exists('b:current_syntax')
  finish
endif

syntax case match

" Operators first: later rules win when two start at the same place, so
" comments (below) beat `/`.
syntax match infraOperator "??\|?\.\|==\|!=\|<=\|>=\|->\|=>\|[-+*/%<>=?|]"

" Comments: `//`, doc comments `///`, nestable `/* */`.
syntax keyword infraTodo contained TODO FIXME XXX NOTE
syntax match infraComment "//.*$" contains=infraTodo,@Spell
syntax match infraDocComment "///.*$" contains=infraTodo,@Spell
syntax match infraDocComment "//!.*$" contains=infraTodo,@Spell
syntax region infraBlockComment start="/\*" end="\*/" contains=infraBlockComment,infraTodo,@Spell

" Keywords.
syntax keyword infraDeclaration use pub type enum group param stage fact op fn let changes
syntax keyword infraConditional if else match
syntax keyword infraRepeat for in
syntax keyword infraKeyword on one fail return
syntax keyword infraOperatorWord and or not
syntax keyword infraConstant true false none nothing
syntax keyword infraBuiltinVar host
syntax keyword infraType int float bool str secret cmd list map Host OpResult CommandResult
syntax match infraUserType "\<[A-Z][A-Za-z0-9_]*\>"

" Declared names.
syntax match infraFunctionDecl "\%(\<\%(op\|fn\|fact\)\s\+\)\@<=[A-Za-z_][A-Za-z0-9_]*"
syntax match infraSectionDecl "\%(\<\%(stage\|group\)\s\+\)\@<=[A-Za-z_][A-Za-z0-9_]*"

" Calls and named arguments.
syntax match infraCall "\<[A-Za-z_][A-Za-z0-9_]*\ze\s*("
syntax match infraNamedArg "\<[a-z_][A-Za-z0-9_]*\ze\s*:[^:]"

" `facts.name`
syntax match infraFacts "\<facts\>"
syntax match infraFactName "\%(\<facts\s*\.\s*\)\@<=[A-Za-z_][A-Za-z0-9_]*"

" Numbers: 42, 1_000, 0o755, 0x1f, 0b101, 1.5, 2.0e3.
syntax match infraNumber "\<\d[0-9_]*\>"
syntax match infraNumber "\<0o[0-7_]\+\>"
syntax match infraNumber "\<0x[0-9A-Fa-f_]\+\>"
syntax match infraNumber "\<0b[01_]\+\>"
syntax match infraFloat "\<\d[0-9_]*\.\d[0-9_]*\%([eE][+-]\=\d\+\)\=\>"
syntax match infraFloat "\<\d[0-9_]*[eE][+-]\=\d\+\>"

" Strings with escapes and `{expr}` / `{expr:fmt}` interpolation.
syntax match infraEscape contained "\\[ntr\\\"{}0]"
syntax match infraEscape contained "\\u{\x\{1,6}}"
syntax region infraInterpolation contained matchgroup=infraInterpolationDelim start="{" end="}" contains=TOP,infraInterpolationNested
syntax region infraInterpolationNested contained transparent start="{" end="}" contains=TOP
syntax region infraString start=+"""+ end=+"""+ contains=infraEscape,infraInterpolation,@Spell
syntax region infraString start=+"\%(""\)\@!+ skip=+\\\\\|\\"+ end=+"+ contains=infraEscape,infraInterpolation,@Spell
" Command literals: sh"..." and sh"""...""".
syntax region infraCommand matchgroup=infraCommandPrefix start=+\<sh"""+ end=+"""+ contains=infraEscape,infraInterpolation
syntax region infraCommand matchgroup=infraCommandPrefix start=+\<sh"\%(""\)\@!+ skip=+\\\\\|\\"+ end=+"+ contains=infraEscape,infraInterpolation

highlight default link infraTodo Todo
highlight default link infraComment Comment
highlight default link infraDocComment SpecialComment
highlight default link infraBlockComment Comment
highlight default link infraDeclaration Keyword
highlight default link infraConditional Conditional
highlight default link infraRepeat Repeat
highlight default link infraKeyword Keyword
highlight default link infraOperatorWord Operator
highlight default link infraConstant Constant
highlight default link infraBuiltinVar Identifier
highlight default link infraType Type
highlight default link infraUserType Type
highlight default link infraFunctionDecl Function
highlight default link infraSectionDecl Label
highlight default link infraCall Function
highlight default link infraNamedArg Identifier
highlight default link infraFacts Special
highlight default link infraFactName Function
highlight default link infraNumber Number
highlight default link infraFloat Float
highlight default link infraOperator Operator
highlight default link infraEscape SpecialChar
highlight default link infraInterpolationDelim Delimiter
highlight default link infraString String
highlight default link infraCommand String
highlight default link infraCommandPrefix StorageClass

let b:current_syntax = 'infra'
