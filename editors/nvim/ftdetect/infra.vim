" .infra files are the infra deploy language.
autocmd BufRead,BufNewFile *.infra setfiletype infra
