import { dirname, relative, resolve, sep } from 'node:path';

/**
 * `functions/core` is the pure ground floor: it imports nothing outside itself (no adapter, no
 * handler, no AWS SDK, no Node built-in) except the packages named in `allow`.
 */
export const coreBoundary = {
  meta: {
    type: 'problem',
    docs: { description: 'functions/core imports only functions/core and the allowed packages' },
    schema: [{ type: 'object', properties: { allow: { type: 'array', items: { type: 'string' } } } }],
    messages: {
      outside: "functions/core may not import '{{source}}': it resolves outside functions/core ({{target}})",
      package: "functions/core may not import the package '{{source}}' (allowed: {{allowed}})",
    },
  },
  create(context) {
    const allow = context.options[0]?.allow ?? [];
    const file = context.filename;
    const core = resolve(context.cwd, 'functions/core');
    if (!file.startsWith(core + sep)) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = resolve(dirname(file), source);
        if (!target.startsWith(core + sep)) {
          context.report({ node, messageId: 'outside', data: { source, target: relative(context.cwd, target) } });
        }
      } else if (!allow.includes(source)) {
        context.report({ node, messageId: 'package', data: { source, allowed: allow.join(', ') || 'none' } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
